//! Fuzzes the capture-history table reader of `zicht mse`: any bytes as a file, opened as the command
//! opens it (any encoding and separator) and read into a `CaptureTable`. It must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zicht_store::bounded::Limits;
use zicht_store::source::{Encoding, open_table};

fuzz_target!(|data: &[u8]| {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), data).unwrap();
    let limits = Limits { record: 64 << 10, field: 1 << 10 };
    let Ok(table) = open_table(file.path(), Encoding::Auto, limits) else { return };
    if let Ok(t) = zicht_stats::mse::CaptureTable::read_csv_separated(table.reader, table.delimiter) {
        let _ = t.lists();
        let _ = t.degeneracy();
    }
});
