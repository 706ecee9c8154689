//! `zicht link`: reports → persons, follow-up events → persons, with stable person ids
//! ([`zicht_register::link`] does the work).

use std::path::PathBuf;

use clap::Args;
use zicht_register::Register;
use zicht_register::link::{LinkOptions, link};
use zicht_store::Store;

use super::common::{
    ActorArgs, Bar, DbArgs, KeyArgs, Units, cancel_on_ctrl_c, classify, load_keys, register_error, runtime,
};

#[derive(Debug, Args)]
#[command(after_help = "Example:\n  zicht link --db sqlite://zicht.db --json\n\n\
    Re-running after new imports keeps every existing person's id; merges and splits are reported.")]
pub struct LinkArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub keys: KeyArgs,
    #[command(flatten)]
    pub actor: ActorArgs,
    /// Match probability at or above which two records are the same person
    #[arg(long, default_value_t = zicht_link::DEFAULT_THRESHOLD)]
    pub threshold: f64,
    /// Write the pairs for clerical review, probability in [--review-from, --threshold), as
    /// `id_l,id_r,match_probability,match_weight`; ids are `r<reports.id>` and `e<events.id>`
    #[arg(long, value_name = "FILE")]
    pub review: Option<PathBuf>,
    /// Lower end of the review band
    #[arg(long, value_name = "P", default_value_t = 0.1, requires = "review")]
    pub review_from: f64,
    /// Print a JSON summary on stdout
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: LinkArgs) -> anyhow::Result<()> {
    let opts = LinkOptions { threshold: args.threshold, review_from: args.review.as_ref().map(|_| args.review_from) };
    opts.check().map_err(register_error)?;
    if let Some(review) = &args.review {
        super::common::refuse_register_files("--review", review, &args.db.db, &args.keys.key_file)?;
    }
    let keys = load_keys(&args.keys)?;
    let rt = runtime()?;
    let cancel = cancel_on_ctrl_c(&rt);
    let run = rt.block_on(async {
        let store = Store::open_existing(&args.db.db)
            .await
            .map_err(classify)?
            .keep_audit_head(zicht_store::audit::head_path(&keys.path));
        store.check_keys(&keys).await.map_err(classify)?;
        let reg = Register::new(store, Some(keys), args.actor.actor());
        let bar = Bar::new(args.json, Units::Work).stopping_on(cancel);
        let run = link(&reg, &opts, &bar).await.map_err(register_error);
        bar.clear();
        run
    })?;
    if let Some(path) = &args.review {
        super::matching::write_pairs(path, run.review.iter().map(|p| (&*p.left, &*p.right, p.probability, p.weight)))?;
    }
    let summary = run.summary;
    if args.json {
        println!("{}", serde_json::to_string(&summary)?);
    } else {
        eprintln!(
            "{} reports and {} follow-up events linked to {} persons ({} new, {} merges, {} splits)",
            summary.reports, summary.events, summary.persons, summary.new_persons, summary.merges, summary.splits
        );
    }
    Ok(())
}
