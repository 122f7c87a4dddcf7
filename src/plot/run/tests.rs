//! Unit tests of the figures.

use super::*;

fn table(text: &str) -> Table {
    Table::from_text("timeseries.csv", text).unwrap()
}

fn files(timeseries: Table) -> RunFiles {
    RunFiles {
        scenario: "s".into(),
        timeseries,
        cohorts: None,
        lending: None,
        market: None,
        summary: None,
        business_lines: None,
        products: None,
        manifest: None,
    }
}

fn context(t: &Table) -> Context {
    Context {
        reps: replications(t),
        events: Vec::new(),
    }
}

#[test]
fn cumulative_and_rolling_sums_run_per_replication() {
    let t = table(
        "replication,day,lender,x\n0,0,A,1\n0,1,A,2\n0,2,A,3\n1,0,A,10\n1,1,A,20\n1,2,A,30\n",
    );
    let obs = observations(&t, "lender", "x").unwrap();
    let c: Vec<f64> = cumulative(obs.clone()).iter().map(|o| o.value).collect();
    assert_eq!(c, [1.0, 3.0, 6.0, 10.0, 30.0, 60.0]);
    let r: Vec<f64> = rolling(obs, 2.0).iter().map(|o| o.value).collect();
    assert_eq!(r, [1.0, 3.0, 5.0, 10.0, 30.0, 50.0]);
}

#[test]
fn every_figure_with_a_day_axis_carries_the_events() {
    let t =
        table("replication,day,platform,share,orders,cumulative_burn\n0,0,A,1,5,0\n0,1,A,1,6,1\n");
    let manifest: Value = serde_json::from_str(
        r#"{"scenario": {"platforms": [{"name": "A", "subsidy": [{"from_day": 0, "to_day": 1, "per_order": 3}]}]}}"#,
    )
    .unwrap();
    let mut run = files(t);
    run.manifest = Some(manifest);
    let figs = figures(&run, &mut Vec::new());
    let names: Vec<&str> = figs.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["overview", "orders", "market_share"]);
    for f in &figs {
        assert_eq!(f.panels[0].events.len(), 1, "{}", f.name);
        assert!(f.panels[0].event_labels);
        assert!(f.panels.iter().skip(1).all(|p| !p.event_labels));
    }
}

#[test]
fn a_run_without_wallets_has_no_wallet_figure() {
    let t = table("replication,day,platform,wallet_payments\n0,0,A,0\n0,1,A,0\n");
    let mut notes = Vec::new();
    let figs = figures(&files(t), &mut notes);
    assert!(figs.iter().all(|f| f.name != "wallet"));
    assert!(
        notes.iter().any(|n| n.contains("no wallet payments")),
        "{notes:?}"
    );
}

#[test]
fn the_orders_figure_draws_direct_purchases_per_day() {
    let t = table(
        "replication,day,platform,orders,direct_orders,member_orders\n\
         0,0,A,5,7,1\n0,0,B,3,7,1\n0,1,A,6,9,2\n0,1,B,4,9,2\n",
    );
    let f = orders(&files(t.clone()), &context(&t)).unwrap();
    let labels: Vec<&str> = f.panels[0]
        .series
        .iter()
        .map(|s| s.label.as_str())
        .collect();
    assert_eq!(
        labels,
        [
            "A",
            "B",
            "all platforms",
            "direct purchases",
            "direct purchases by members"
        ]
    );
    let direct: Vec<f64> = f.panels[0].series[3].points.iter().map(|p| p.y).collect();
    assert_eq!(direct, [7.0, 9.0]);
    assert!(!f.subtitle.contains("flat average"));
}

#[test]
fn bands_span_the_replications() {
    let t = table(
        "replication,day,platform,share,cash,cumulative_burn,active_consumers\n\
         0,0,A,0.5,100,0,10\n0,0,B,0.5,100,0,10\n\
         1,0,A,0.7,100,0,10\n1,0,B,0.3,100,0,10\n\
         0,1,A,0.6,90,10,11\n0,1,B,0.4,90,10,11\n\
         1,1,A,0.8,90,10,11\n1,1,B,0.2,90,10,11\n",
    );
    let f = market_share(&files(t.clone()), &context(&t)).unwrap();
    let a = &f.panels[0].series[0];
    assert_eq!(a.label, "A");
    assert_eq!(a.points.len(), 2);
    assert!((a.points[0].y - 60.0).abs() < 1e-9);
    assert!((a.points[0].low.unwrap() - 51.0).abs() < 1e-9);
    assert!((a.points[0].high.unwrap() - 69.0).abs() < 1e-9);
    assert!(f.subtitle.contains("2 replications"));
}

#[test]
fn retention_pools_segments_and_orders_cohorts() {
    let t = Table::from_text(
        "cohorts.csv",
        "replication,platform,segment,cohort_month,age_months,observed,retained,retention\n\
         0,A,x,0,0,10,10,1\n0,A,y,0,0,10,10,1\n0,A,x,0,1,10,5,0.5\n0,A,y,0,1,10,10,1\n\
         0,A,x,1,0,4,4,1\n",
    )
    .unwrap();
    let mut run = files(table("replication,day,platform,share\n0,0,A,1\n"));
    run.cohorts = Some(t);
    let f = retention(&run, &context(&run.timeseries)).unwrap();
    let s = &f.panels[0].series;
    assert_eq!(s.len(), 2);
    assert_eq!(s[0].points[1].y, 75.0);
    assert_eq!(s[1].look, Look::Sequential(1, 2));
}

#[test]
fn a_missing_column_skips_the_figure_with_its_name() {
    let t = table("replication,day,platform,share\n0,0,A,1\n");
    let mut notes = Vec::new();
    let figs = figures(&files(t), &mut notes);
    assert_eq!(figs.len(), 1);
    assert!(notes.iter().any(|n| n.contains("`cash`")), "{notes:?}");
    assert!(notes.iter().any(|n| n.contains("lending.csv")), "{notes:?}");
    // A file no version writes yet says nothing.
    assert!(!notes.iter().any(|n| n.contains("business")), "{notes:?}");
}

#[test]
fn balances_are_drawn_only_when_a_wallet_holds_some() {
    let t = table(
        "replication,day,platform,consumer_balances,merchant_balances,fund_yield,fund_spread\n\
         0,0,A,0,0,0,0\n0,1,A,0,0,0,0\n",
    );
    let mut notes = Vec::new();
    let figs = figures(&files(t), &mut notes);
    assert!(figs.iter().all(|f| f.name != "balances"));
    assert!(
        notes.iter().any(|n| n.contains("no wallet balances")),
        "{notes:?}"
    );
    let t = table(
        "replication,day,platform,consumer_balances,merchant_balances,fund_yield,fund_spread\n\
         0,0,A,1000,0,1.5,0.5\n0,1,A,1200,0,1.8,0.6\n",
    );
    let figs = figures(&files(t), &mut Vec::new());
    let Some(f) = figs.iter().find(|f| f.name == "balances") else {
        panic!("no balances figure")
    };
    // Consumers' balances, yield and spread; no merchant panel without
    // swept cash.
    assert_eq!(f.panels.len(), 3);
    assert_eq!(f.panels[0].series[0].points[1].y, 1.2);
}
