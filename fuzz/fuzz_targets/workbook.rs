//! Fuzzes the workbook reader: any bytes as an .xlsx/.ods/.xls file, read as its first sheet's CSV and
//! then row by row as import reads it. It must never panic, whatever the input (a zip bomb is refused
//! by the inflate check before calamine reads it).
#![no_main]

use libfuzzer_sys::fuzz_target;
use zicht_store::source::{Format, RowReader};

fuzz_target!(|data: &[u8]| {
    let Ok(sheet) = zicht_store::workbook::read_bytes(data.to_vec()) else { return };
    let csv = Box::new(std::io::Cursor::new(sheet.csv));
    let (allowed, required) = (zicht_model::REPORT_COLUMNS, zicht_model::REPORT_REQUIRED_COLUMNS);
    let Ok(mut reader) = RowReader::from_reader(csv, Format::Csv, allowed, required) else { return };
    while let Some(row) = reader.next_row() {
        if row.is_err() {
            break;
        }
    }
});
