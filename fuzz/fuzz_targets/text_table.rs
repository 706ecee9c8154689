//! Fuzzes the opener every table reader shares (`zicht_store::source::open_table`): any bytes as a file,
//! its encoding (UTF-8, UTF-16 by BOM, Windows-1252) and separator found, decoded and bounded, then read
//! record by record as `zicht match` and `zicht pseudonymise` read it. The first byte picks the
//! `--encoding`. It must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zicht_store::source::{Encoding, ROW_FILE_LIMITS, open_table};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else { return };
    let encoding = Encoding::parse(Encoding::NAMES[usize::from(selector) % Encoding::NAMES.len()]).unwrap();
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), bytes).unwrap();
    let Ok(table) = open_table(file.path(), encoding, ROW_FILE_LIMITS) else { return };
    let mut rdr = csv::ReaderBuilder::new().flexible(true).delimiter(table.delimiter).from_reader(table.reader);
    let _ = rdr.headers();
    for record in rdr.records() {
        if record.is_err() {
            break;
        }
    }
});
