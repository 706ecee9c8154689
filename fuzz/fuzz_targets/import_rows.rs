//! Fuzzes the import row path: any bytes as a CSV or JSON-lines reports/events/signals file, read row by
//! row and parsed. It must never panic, whatever the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zicht_model::{Event, ParseContext, PseudonymKey, RegisterKey, Report, Signal};
use zicht_store::source::{Format, RawContent, RowReader};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else { return };
    let format = if selector & 1 == 0 { Format::Csv } else { Format::JsonLines };
    let (allowed, required) = match (selector >> 1) % 3 {
        0 => (zicht_model::REPORT_COLUMNS, zicht_model::REPORT_REQUIRED_COLUMNS),
        1 => (zicht_model::EVENT_COLUMNS, zicht_model::EVENT_REQUIRED_COLUMNS),
        _ => (zicht_model::SIGNAL_COLUMNS, zicht_model::SIGNAL_REQUIRED_COLUMNS),
    };
    let key = PseudonymKey::from_bytes([9; 32]);
    let register = RegisterKey::from_bytes([7; 32]);
    let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let ctx = ParseContext { today, pseudonym_key: &key, register_key: &register };
    let Ok(mut reader) = RowReader::from_reader(Box::new(std::io::Cursor::new(bytes.to_vec())), format, allowed, required) else {
        return;
    };
    while let Some(row) = reader.next_row() {
        let Ok(row) = row else { break };
        if let RawContent::Cells(cells) = &row.content {
            let _ = Report::parse(cells, &ctx);
            let _ = Event::parse(cells, &ctx);
            let _ = Signal::parse(cells, &ctx);
        }
    }
});
