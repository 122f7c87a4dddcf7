//! The result files against their column tables: the committed results
//! reference and the README's file tables are generated from the tables,
//! and every CSV file the commands write has the columns the reference
//! lists, in the order pinned here (the contract scripts rely on).

use std::fs;
use std::path::Path;

use crate::common::{TempDir, data, flywheel, text};
use flywheel::metrics::reference::{FileDoc, overview};

fn arg(p: &Path) -> &str {
    p.to_str().unwrap_or_default()
}

const SUMMARY: &str = "replication,seed,platform,orders,gmv,subsidy_spend,revenue,\
cumulative_burn,final_cash,final_share,exit_day,acquired_day,acquired_by,marketing_spend,retention_90d,\
active_users_end,peak_share,merchants_end,ltv_per_user,cac,wallet_payments,wallet_volume,\
consumer_balances_end,merchant_balances_end,fund_yield,fund_spread,exclusivity_spend,exclusive_merchants_end,\
loans_disbursed,outstanding_end,defaults,default_rate,npl_ratio,credit_loss,interest_income,\
lending_profit,merchants_listed_ever,merchant_survival,merchant_profit_mean,payment_fees,float_income,\
default_rate_all_loans,contribution_listings,contribution_payments,contribution_lending,\
contribution_consumer_credit,contribution_subsidies,contribution_costs,loan_book_end,\
held_for_merchants_end,financing,\
credit_lines,credit_purchases,credit_spend,credit_outstanding_end,credit_interest,credit_defaults,\
credit_default_rate,credit_write_offs,credit_fraud_losses,credit_profit,\
product_members_end,product_days_to_million,contribution_products,product_churn_averted";

/// The headline figures, in the order `aggregate.csv` (and the sweep
/// journal) holds them.
const HEADLINES: [&str; 20] = [
    "orders",
    "gmv",
    "subsidy_spend",
    "marketing_spend",
    "revenue",
    "cumulative_burn",
    "final_cash",
    "final_share",
    "peak_share",
    "retention_90d",
    "active_users_end",
    "merchants_end",
    "ltv_per_user",
    "cac",
    "loans_disbursed",
    "default_rate",
    "npl_ratio",
    "credit_loss",
    "lending_profit",
    "exited",
];

/// Every file's header line, as written: (directory, file, header).
fn pinned() -> Vec<(&'static str, &'static str, String)> {
    let mut aggregate =
        "point,platforms[1].subsidy[0].per_order,platforms[0].commission,platform,n".to_string();
    for h in HEADLINES {
        for stat in ["mean", "sd", "ci_low", "ci_high"] {
            aggregate.push_str(&format!(",{h}_{stat}"));
        }
    }
    aggregate.push_str(",lender");
    vec![
        ("run", "summary.csv", SUMMARY.to_string()),
        (
            "run",
            "summary_stats.csv",
            "metric,platform,lender,n,mean,sd,ci_low,ci_high".into(),
        ),
        (
            "run",
            "timeseries.csv",
            "replication,day,platform,orders,gmv,subsidy_spend,revenue,cash,cumulative_burn,\
             share,active_consumers,marketing_spend,runway_months,new_consumers,\
             churned_consumers,installed_consumers,merchants,wallet_payments,wallet_share,\
             merchants_accepting,bounty_spend,direct_orders,member_orders,consumer_balances,merchant_balances,\
             balance_spend,fund_yield,fund_spread,exclusive_merchants,exclusivity_spend,\
             members_enrolled,payment_fees,float_income"
                .into(),
        ),
        (
            "run",
            "cohorts.csv",
            "replication,platform,segment,cohort_month,age_months,observed,retained,retention"
                .into(),
        ),
        (
            "run",
            "market.csv",
            "replication,seed,occasions,platform_orders,direct_orders,member_orders,\
             no_purchase,direct_share,mean_time_in_system_hours,merchants_closed,\
             queued_orders,queue_servers,arrival_rate_per_hour,mean_queue_wait_hours,\
             mean_in_system,mean_in_queue"
                .into(),
        ),
        (
            "run",
            "business_lines.csv",
            "replication,day,platform,line,profit,balance".into(),
        ),
        (
            "run",
            "lending.csv",
            "replication,day,lender,applications,loans_disbursed,disbursed_amount,outstanding,\
             non_performing,npl_ratio,interest_income,principal_repaid,new_defaults,\
             credit_loss,recoveries,expected_loss,funding_cost"
                .into(),
        ),
        (
            "run",
            "lenders.csv",
            "replication,seed,lender,platform,applications,approval_rate,disbursed_amount,\
             loans_disbursed,outstanding_end,defaults,default_rate,npl_ratio,credit_loss,\
             interest_income,lending_profit,expected_loss,funding_cost,\
             default_rate_all_loans,loans_matured,delist_penalties,fraud_caught,fraud_loans,\
             fraud_losses,screening_cost"
                .into(),
        ),
        (
            "run",
            "loans.csv",
            "replication,loan,lender,merchant,start_day,principal,rate,score,status,\
             default_day,repaid_principal,interest_paid,recovered,written_off,outstanding,\
             expected_loss"
                .into(),
        ),
        (
            "run",
            "merchants.csv",
            "replication,merchant,district,platforms_end,revenue,unit_costs,commissions_fees,\
             subsidies_bounties,fixed_costs,loan_interest,profit,closed_day"
                .into(),
        ),
        (
            "compare",
            "comparison.csv",
            "metric,platform,variant,mean,mean_ci_low,mean_ci_high,diff_vs_first,diff_ci_low,\
             diff_ci_high,unpaired_diff_ci_low,unpaired_diff_ci_high,lender"
                .into(),
        ),
        ("compare", "summaries.csv", format!("variant,{SUMMARY}")),
        (
            "sweep",
            "points.csv",
            "point,platforms[1].subsidy[0].per_order,platforms[0].commission".into(),
        ),
        ("sweep", "runs.csv", format!("point,{SUMMARY},lender")),
        ("sweep", "aggregate.csv", aggregate),
        (
            "sweep",
            "failures.csv",
            "point,replication,seed,error".into(),
        ),
    ]
}

fn written(out: &Path) {
    let (full, tiny, grid) = (
        data("full.toml"),
        data("tiny.toml"),
        data("sweep_grid.toml"),
    );
    let runs = [
        vec![
            "run",
            arg(&full),
            "--loans",
            "--merchants",
            "--replications",
            "1",
            "--quiet",
        ],
        vec![
            "compare",
            arg(&tiny),
            arg(&tiny),
            "--replications",
            "2",
            "--quiet",
        ],
        vec!["sweep", arg(&grid), "--quiet"],
    ];
    for args in runs {
        let dir = out.join(args[0]);
        let mut args = args;
        args.extend(["--out", arg(&dir)]);
        let o = flywheel(out, &args);
        assert!(o.status.success(), "{args:?}: {:?}", text(&o));
    }
}

fn header(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    text.lines().next().unwrap_or_default().to_string()
}

#[test]
fn every_file_is_written_with_its_pinned_columns() {
    let tmp = TempDir::new("result-files");
    written(tmp.path());
    for (dir, file, expected) in pinned() {
        let path = tmp.path().join(dir).join(file);
        assert_eq!(header(&path), expected, "{dir}/{file}");
    }
}

#[test]
fn the_reference_lists_the_columns_that_are_written() {
    let tmp = TempDir::new("result-files-reference");
    written(tmp.path());
    let docs: Vec<FileDoc> = flywheel::cli::result_files()
        .into_iter()
        .flat_map(|(_, files)| files)
        .collect();
    for (dir, file, _) in pinned() {
        let Some(doc) = docs.iter().find(|d| d.name == file) else {
            panic!("{file} is missing from the results reference");
        };
        let mut names: Vec<String> = doc.columns.iter().map(|c| c.name.clone()).collect();
        if let Some(then) = doc.then {
            names.push(header(&tmp.path().join("run").join(then)));
        }
        names.extend(doc.after.iter().map(|c| c.name.clone()));
        let written = header(&tmp.path().join(dir).join(file));
        // `<parameter>` and `<figure>_mean` stand for several columns.
        match names.iter().position(|n| n.starts_with('<')) {
            None => assert_eq!(names.join(","), written, "{file}"),
            Some(k) => {
                assert!(written.starts_with(&names[..k].join(",")), "{file}");
                let last = names.iter().rposition(|n| n.starts_with('<')).unwrap_or(k);
                assert!(written.ends_with(&names[last + 1..].join(",")), "{file}");
            }
        }
    }
}

#[test]
fn results_reference_doc_is_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let o = flywheel(root, &["params", "--results", "--markdown"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let generated = String::from_utf8_lossy(&o.stdout);
    let committed = fs::read_to_string(root.join("docs/results-reference.md")).unwrap_or_default();
    assert!(
        generated == committed,
        "docs/results-reference.md is out of date; regenerate it with\n  \
         cargo run --release -- params --results --markdown > docs/results-reference.md"
    );
    // The plain form names every file and column too.
    let (plain, _) = text(&flywheel(root, &["params", "--results"]));
    for (_, files) in flywheel::cli::result_files() {
        for f in files {
            assert!(plain.contains(f.name), "{} missing from the text", f.name);
            for c in &f.columns {
                assert!(plain.contains(&c.name), "{} missing from the text", c.name);
            }
        }
    }
}

#[test]
fn readme_file_tables_are_generated_from_the_column_tables() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = fs::read_to_string(root.join("README.md")).unwrap_or_default();
    for (title, files) in flywheel::cli::result_files() {
        assert!(
            readme.contains(&overview(&files)),
            "the README's table of {title} is out of date: copy it from \
             docs/results-reference.md (regenerated with \
             `cargo run --release -- params --results --markdown > docs/results-reference.md`)"
        );
    }
}
