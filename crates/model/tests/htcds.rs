//! Every HTCDS value name zicht maps a code to exists in that field's picklist (HTCDS v2.0 field table),
//! and `docs/htcds-mapping.md` is the generated table.

use std::collections::HashMap;

use zicht_model::*;

fn picklists() -> HashMap<String, Vec<String>> {
    let tsv = include_str!("fixtures/htcds_v2_field_standards.tsv");
    let mut header: Option<Vec<&str>> = None;
    let mut out = HashMap::new();
    for line in tsv.lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        if header.is_none() {
            if cols.contains(&"Field Name including Prefix") {
                header = Some(cols);
            }
            continue;
        }
        let h = header.as_ref().unwrap();
        let idx = |name: &str| h.iter().position(|c| *c == name).unwrap();
        let (Some(field), Some(values)) =
            (cols.get(idx("Field Name including Prefix")), cols.get(idx("Value Names (if picklist)")))
        else {
            continue;
        };
        let values: Vec<String> = values.split('|').map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).collect();
        if !values.is_empty() {
            out.insert(field.trim().to_string(), values);
        }
    }
    out
}

fn check<T: CodeList>(lists: &HashMap<String, Vec<String>>) -> usize {
    let Some(field) = T::htcds_field() else { return 0 };
    let allowed = lists.get(field).unwrap_or_else(|| panic!("HTCDS has no picklist {field}"));
    let mut n = 0;
    for c in T::all() {
        if let Some(v) = c.htcds_value() {
            assert!(allowed.iter().any(|a| a == v), "{}: {v} is not in {field}: {allowed:?}", c.code());
            n += 1;
        }
    }
    n
}

#[test]
fn mapped_values_exist_in_htcds_picklists() {
    let lists = picklists();
    assert!(lists.len() >= 10, "parsed {} picklists", lists.len());
    let n = check::<ReporterType>(&lists)
        + check::<Sex>(&lists)
        + check::<ExploitationForm>(&lists)
        + check::<SexualSector>(&lists)
        + check::<LabourSector>(&lists)
        + check::<MeansOfControl>(&lists)
        + check::<Recruitment>(&lists);
    assert!(n >= 60, "only {n} codes mapped");
}

#[test]
fn the_mapping_document_is_up_to_date() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/htcds-mapping.md");
    let want = codes::htcds_mapping_markdown();
    if std::env::var("ZICHT_BLESS").is_ok() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(have == want, "docs/htcds-mapping.md is stale: run `ZICHT_BLESS=1 cargo test -p zicht-model --test htcds`");
}
