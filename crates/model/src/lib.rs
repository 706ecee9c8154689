//! The domain of zicht: reports of presumed victims of human trafficking, follow-up records from other
//! registers, anonymous signals, and the code lists they use (aligned with the Human Trafficking Case
//! Data Standard v2.0, IOM, CC BY 4.0).
//!
//! Every value here is made by a `parse` function that enforces the domain's rules, so that an invalid
//! report cannot exist past intake. No I/O.

pub mod bounds;
pub mod codes;
pub mod country;
pub mod event;
pub mod extract;
pub mod hint;
pub mod identity;
pub mod pseudonym;
pub mod report;
pub mod row;

pub use codes::*;
pub use country::{Country, NationalityGroup};
pub use event::{EVENT_COLUMNS, EVENT_REQUIRED_COLUMNS, Event, SIGNAL_COLUMNS, SIGNAL_REQUIRED_COLUMNS, Signal};
pub use identity::Identity;
pub use pseudonym::{DigestKind, Layers, Pseudonym, PseudonymKey, RegisterKey};
pub use report::{
    Attributes, Exploitation, IDENTIFYING_COLUMNS, ParseContext, REPORT_COLUMNS, REPORT_REQUIRED_COLUMNS, Report,
    Subject,
};
pub use row::{FieldError, Row, RowErrors};
