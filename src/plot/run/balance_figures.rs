//! The figures of wallet balances (consumers' balances and merchants'
//! swept cash in each wallet's funds, and what the funds paid holders and
//! earned the platform; skipped when no wallet has a fund) and of the
//! products platforms sell to their users (members, the cost per member
//! and the acquisition cost per member by channel; drawn when a run has
//! products).

use super::series::*;
use super::*;

/// Balances in each wallet's funds at each day's end, and the funds'
/// daily yield to holders and spread to the platform.
pub(super) fn balances(files: &RunFiles, cx: &Context) -> Result<Figure, String> {
    let t = &files.timeseries;
    let consumers = observations(t, "platform", "consumer_balances")?;
    let merchants = observations(t, "platform", "merchant_balances")?;
    let held = |obs: &[Obs]| obs.iter().any(|o| o.value != 0.0);
    if !held(&consumers) && !held(&merchants) {
        return Err("no wallet balances in this run".into());
    }
    let mut panels = vec![day_panel(
        "Consumers' balances in each wallet's fund, at the day's end",
        "balances (thousand yuan)",
        obs_series(consumers, 1e-3),
    )];
    if held(&merchants) {
        panels.push(day_panel(
            "Merchants' cash swept into each wallet's merchant fund",
            "swept cash (thousand yuan)",
            obs_series(merchants, 1e-3),
        ));
    }
    for (column, title, axis) in [
        (
            "fund_yield",
            "Yield paid to holders per day",
            "yield (yuan per day)",
        ),
        (
            "fund_spread",
            "The platform's spread on its funds per day",
            "spread (yuan per day)",
        ),
    ] {
        if let Ok(obs) = observations(t, "platform", column)
            && held(&obs)
        {
            panels.push(day_panel(title, axis, obs_series(obs, 1.0)));
        }
    }
    Ok(Figure {
        name: "balances".into(),
        title: format!("{}: wallet balances and fund yields", files.scenario),
        subtitle: band_subtitle(cx.reps),
        panels,
        columns: 1,
    })
}

/// Each product's members (people represented), its cost per member per
/// period, and its acquisition cost per member by channel.
pub(super) fn products(files: &RunFiles, cx: &Context) -> Result<Figure, String> {
    let Some(t) = files.products.as_ref() else {
        return Err("no products.csv in the directory".into());
    };
    let members = observations(t, "product", "members_represented")?;
    let mut panels = vec![day_panel(
        "Members of each product (people represented), at the day's end",
        "members (millions)",
        obs_series(members, 1e-6),
    )];
    for (column, title, axis) in [
        (
            "cost_per_member",
            "Price per member per period (a mutual-aid plan's shared cost, a premium)",
            "yuan per period",
        ),
        (
            "acquisition_cost_per_member_reach",
            "Acquisition cost per member through the platform's own users, since launch",
            "yuan per member",
        ),
        (
            "acquisition_cost_per_member_marketing",
            "Acquisition cost per member through marketing, since launch",
            "yuan per member",
        ),
    ] {
        if let Ok(obs) = observations(t, "product", column)
            && !obs.is_empty()
        {
            panels.push(day_panel(title, axis, obs_series(obs, 1.0)));
        }
    }
    Ok(Figure {
        name: "products".into(),
        title: format!("{}: products sold to users", files.scenario),
        subtitle: band_subtitle(cx.reps),
        panels,
        columns: 1,
    })
}
