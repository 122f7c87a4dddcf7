//! The figures of orders, merchants, wallets, purchases, lending losses and business lines.

use super::series::*;
use super::*;

/// A market-wide daily column of `timeseries.csv` (repeated on every
/// platform's row) as one series labelled `label`: one value per
/// replication and day.
fn market_daily(t: &Table, column: &str, label: &str) -> Option<Vec<Obs>> {
    let obs = observations(t, "platform", column).ok()?;
    let first = obs.first()?.group.clone();
    Some(
        obs.into_iter()
            .filter(|o| o.group == first)
            .map(|o| Obs {
                group: label.to_string(),
                ..o
            })
            .collect(),
    )
}

/// Orders per day through each platform and through all of them, and
/// direct purchases per day (and those by members, when any). Results
/// written before `timeseries.csv` had direct purchases show the run's
/// average from `market.csv` instead.
pub(super) fn orders(files: &RunFiles, cx: &Context) -> Result<Figure, String> {
    let t = &files.timeseries;
    let obs = observations(t, "platform", "orders")?;
    let platforms = group_order(&obs).len();
    let mut all = obs.clone();
    if platforms > 1 {
        all.extend(total(&obs, "all platforms"));
    }
    if let Some(direct) = market_daily(t, "direct_orders", "direct purchases") {
        all.extend(direct);
        if let Some(members) = market_daily(t, "member_orders", "direct purchases by members")
            .filter(|m| m.iter().any(|o| o.value > 0.0))
        {
            all.extend(members);
        }
        return Ok(Figure {
            name: "orders".into(),
            title: format!("{}: orders per day", files.scenario),
            subtitle: band_subtitle(cx.reps),
            panels: vec![day_panel(
                "Orders per day",
                "orders per day",
                obs_series(all, 1.0),
            )],
            columns: 1,
        });
    }
    let mut series = obs_series(all, 1.0);
    let days = {
        let mut d: Vec<u64> = obs.iter().map(|o| o.day.to_bits()).collect();
        d.sort_unstable();
        d.dedup();
        d.len()
    };
    let mut direct_note = String::new();
    if let Some(direct) = files
        .market
        .as_ref()
        .and_then(|m| per_run(m, "direct_orders").ok())
        .filter(|d| !d.is_empty() && days > 0)
    {
        let per_day = direct.values().sum::<f64>() / direct.len() as f64 / days as f64;
        let (first, last) = obs
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), o| {
                (a.min(o.day), b.max(o.day))
            });
        let n = series.len();
        series.push(Series {
            label: "direct purchases (average per day over the run)".into(),
            look: Look::Categorical(n),
            interval: Interval::None,
            mark_every_point: false,
            join: true,
            points: [first, last]
                .into_iter()
                .map(|x| Point {
                    x,
                    y: per_day,
                    low: None,
                    high: None,
                })
                .collect(),
        });
        direct_note = " Direct purchases are recorded for the whole run only (market.csv), so \
                        they show as a flat average."
            .into();
    }
    Ok(Figure {
        name: "orders".into(),
        title: format!("{}: orders per day", files.scenario),
        subtitle: format!("{}{direct_note}", band_subtitle(cx.reps)),
        panels: vec![day_panel("Orders per day", "orders per day", series)],
        columns: 1,
    })
}

/// Merchants listed on each platform at each day's end.
pub(super) fn merchants(files: &RunFiles, cx: &Context) -> Result<Figure, String> {
    let obs = observations(&files.timeseries, "platform", "merchants")?;
    let closed = files
        .market
        .as_ref()
        .and_then(|m| per_run(m, "merchants_closed").ok())
        .filter(|c| !c.is_empty())
        .map(|c| {
            format!(
                " Merchants closed for lack of cash over the run: {:.0} on average.",
                c.values().sum::<f64>() / c.len() as f64
            )
        })
        .unwrap_or_default();
    Ok(Figure {
        name: "merchants".into(),
        title: format!("{}: merchants listed per platform", files.scenario),
        subtitle: format!("{}{closed}", band_subtitle(cx.reps)),
        panels: vec![day_panel(
            "Merchants listed at the day's end",
            "merchants",
            obs_series(obs, 1.0),
        )],
        columns: 1,
    })
}

/// Wallet payments per day, each wallet's share of them, and the share
/// of direct purchases paid with each wallet; skipped when no platform
/// has a wallet.
pub(super) fn wallet(files: &RunFiles, cx: &Context) -> Result<Figure, String> {
    let obs = observations(&files.timeseries, "platform", "wallet_payments")?;
    if obs.iter().all(|o| o.value == 0.0) {
        return Err("no wallet payments in this run".into());
    }
    let mut panels = vec![
        day_panel(
            "Direct purchases paid with each wallet, per day",
            "wallet payments per day",
            obs_series(obs.clone(), 1.0),
        ),
        {
            let mut p = day_panel(
                "Share of the day's wallet payments",
                "wallet share (%)",
                obs_series(share_of_day(obs), 100.0),
            );
            p.y_range = Some((0.0, 100.0));
            p
        },
    ];
    // Over the run: wallet payments over all direct purchases.
    if let (Some(summary), Some(market)) = (&files.summary, &files.market)
        && let (Ok([p, w]), Ok(direct)) = (
            summary.columns(["platform", "wallet_payments"]),
            per_run(market, "direct_orders"),
        )
    {
        let r = summary.find("replication");
        let mut names: Vec<String> = Vec::new();
        let mut values: Vec<Vec<f64>> = Vec::new();
        for row in summary.rows() {
            let rep = r.map_or("", |r| row.text(r));
            let (Some(paid), Some(&d)) = (row.number(w), direct.get(rep)) else {
                continue;
            };
            if d <= 0.0 {
                continue;
            }
            let name = row.text(p);
            let i = match names.iter().position(|n| n == name) {
                Some(i) => i,
                None => {
                    names.push(name.to_string());
                    values.push(Vec::new());
                    names.len() - 1
                }
            };
            values[i].push(100.0 * paid / d);
        }
        if !names.is_empty() {
            let mut panel = Panel::new(
                "Share of all direct purchases paid with the wallet, over the run",
                "platform",
                "paid with the wallet (% of direct purchases)",
                vec![category_series("mean; bars: 5–95% range", values)],
            );
            panel.x_categories = Some(with_means(&names, &panel.series[0]));
            panel.legend = false;
            panel.y_range = Some((0.0, 100.0));
            panels.push(panel);
        }
    }
    Ok(Figure {
        name: "wallet".into(),
        title: format!("{}: wallet payments and wallet share", files.scenario),
        subtitle: band_subtitle(cx.reps),
        panels,
        columns: 1,
    })
}

/// Where purchase occasions went over the run: through a platform,
/// direct (members and others), or no purchase.
pub(super) fn purchases(files: &RunFiles, cx: &Context) -> Result<Figure, String> {
    let Some(m) = files.market.as_ref() else {
        return Err("no market.csv".into());
    };
    let [platform, direct, member, none] = m.columns([
        "platform_orders",
        "direct_orders",
        "member_orders",
        "no_purchase",
    ])?;
    let mut values: Vec<Vec<f64>> = vec![Vec::new(); 4];
    for row in m.rows() {
        let (Some(p), Some(d), Some(mo), Some(n)) = (
            row.number(platform),
            row.number(direct),
            row.number(member),
            row.number(none),
        ) else {
            continue;
        };
        let all = p + d + n;
        if all <= 0.0 {
            continue;
        }
        for (slot, v) in values.iter_mut().zip([p, d - mo, mo, n]) {
            slot.push(100.0 * v / all);
        }
    }
    if values[0].is_empty() {
        return Err("`market.csv` has no replication with purchase occasions".into());
    }
    let mut panel = Panel::new(
        "Share of all purchase occasions over the run",
        "",
        "share of purchase occasions (%)",
        vec![category_series("mean; bars: 5–95% range", values)],
    );
    panel.x_categories = Some(with_means(
        &[
            "through a platform",
            "direct, not a member",
            "direct, as a member",
            "no purchase",
        ]
        .map(String::from),
        &panel.series[0],
    ));
    panel.legend = false;
    panel.y_range = Some((0.0, 100.0));
    let reps = if cx.reps > 1 {
        format!(
            "Markers: mean of {} replications; bars: 5–95% range.",
            cx.reps
        )
    } else {
        "One replication.".to_string()
    };
    Ok(Figure {
        name: "purchases".into(),
        title: format!("{}: platform, direct and member purchases", files.scenario),
        subtitle: format!(
            "{reps} Direct purchases bypass the platforms; members buy direct from their \
             merchant's own programme."
        ),
        panels: vec![panel],
        columns: 1,
    })
}

/// Per lender: credit losses written off against the expected loss priced
/// in at approval, both cumulative.
pub(super) fn lending_losses(files: &RunFiles, cx: &Context) -> Result<Figure, String> {
    let Some(t) = files.lending.as_ref() else {
        return Err("no lending.csv".into());
    };
    let who = if t.find("lender").is_some() {
        "lender"
    } else {
        "platform"
    };
    let realised = cumulative(observations(t, who, "credit_loss")?);
    let expected = cumulative(observations(t, who, "expected_loss")?);
    let mut panels = Vec::new();
    for (i, lender) in group_order(&realised).into_iter().enumerate() {
        let pick = |obs: &[Obs], label: &str| -> Vec<Obs> {
            obs.iter()
                .filter(|o| o.group == lender)
                .map(|o| Obs {
                    group: label.to_string(),
                    ..o.clone()
                })
                .collect()
        };
        let mut both = pick(&realised, "credit losses (written off)");
        both.extend(pick(&expected, "expected loss (priced in at approval)"));
        let mut panel = day_panel(&lender, "", obs_series(both, 1.0));
        let unit = panel.scale_money();
        panel.y_label = format!("cumulative ({unit})");
        panel.legend = i == 0;
        panels.push(panel);
    }
    if panels.is_empty() {
        return Err("`lending.csv` has no lender".into());
    }
    Ok(Figure {
        name: "lending_losses".into(),
        title: format!(
            "{}: realised against expected credit losses",
            files.scenario
        ),
        subtitle: band_subtitle(cx.reps),
        panels,
        columns: 1,
    })
}

/// Balances and profit by business line, when the run writes
/// [`BUSINESS_LINES_CSV`] (one row per replication × day × platform ×
/// line, with `balance` and/or `profit` in yuan).
pub(super) fn business_lines(files: &RunFiles, cx: &Context) -> Result<Figure, String> {
    let Some(t) = files.business_lines.as_ref() else {
        return Err(format!("no {BUSINESS_LINES_CSV}"));
    };
    let [p, l] = t.columns(["platform", "line"])?;
    let labelled = |value: &str| -> Result<Vec<Obs>, String> {
        let [d, v] = t.columns(["day", value])?;
        let r = t.find("replication");
        Ok(t.rows()
            .filter_map(|row| {
                Some(Obs {
                    group: format!("{} · {}", row.text(p), row.text(l)),
                    rep: r.map_or("", |r| row.text(r)).to_string(),
                    day: row.number(d)?,
                    value: row.number(v)?,
                })
            })
            .collect())
    };
    let mut panels = Vec::new();
    for (column, title, what) in [
        ("balance", "Balance by business line", "balance"),
        (
            "profit",
            "Cumulative profit by business line",
            "cumulative profit",
        ),
    ] {
        let Ok(obs) = labelled(column) else { continue };
        // A line that is zero throughout (no lending arm, no consumer
        // credit) would only crowd the legend.
        let live: std::collections::BTreeSet<String> = obs
            .iter()
            .filter(|o| o.value != 0.0)
            .map(|o| o.group.clone())
            .collect();
        let obs: Vec<Obs> = obs
            .into_iter()
            .filter(|o| live.contains(&o.group))
            .collect();
        if obs.is_empty() {
            continue;
        }
        let obs = if column == "profit" {
            cumulative(obs)
        } else {
            obs
        };
        let mut panel = day_panel(title, "", obs_series(obs, 1.0));
        let unit = panel.scale_money();
        panel.y_label = format!("{what} ({unit})");
        panels.push(panel);
    }
    if panels.is_empty() {
        return Err(format!(
            "`{BUSINESS_LINES_CSV}` has neither `balance` nor `profit`"
        ));
    }
    Ok(Figure {
        name: "business_lines".into(),
        title: format!("{}: balances and profit by business line", files.scenario),
        subtitle: band_subtitle(cx.reps),
        panels,
        columns: 1,
    })
}
