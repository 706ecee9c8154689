//! Fuzzes the reader of the survival, cif and cox commands (`zicht_table::Table`, its parallel fast path
//! and the `csv` crate's path behind it): any bytes as an extract with columns t, e and g, every typed
//! accessor called. It must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zicht_store::source::Encoding;
use zicht_table::Table;

fuzz_target!(|data: &[u8]| {
    let file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    std::fs::write(file.path(), data).unwrap();
    let Ok((table, matrix)) = Table::read_with_rows(file.path(), Encoding::Auto, &["t", "e", "g"], &["g"], &[]) else {
        return;
    };
    assert!(matrix.is_none());
    let _ = table.times("t");
    let _ = table.events("e");
    let _ = table.categories("g");
    let _ = table.codes("e", |c| (0..=3).contains(&c), "a cause 0..3");
    for i in 0..table.rows() {
        let _ = table.line(i);
    }
    let _ = zicht_table::km_counts(file.path(), Encoding::Auto, "t", "e");
});
