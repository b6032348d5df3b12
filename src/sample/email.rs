//! Email campaigns (about one a month) and each customer's send/open/click
//! events. Campaigns are global; events are drawn per customer from the
//! customer's own email stream, so they can be generated in parallel.

use rand::Rng;
use rand_distr::{Distribution, Exp};

use super::customers::{Customer, Tier};
use super::rng::{Stream, rng_for};
use super::transactions::History;
use super::truth::{START, day_index};

/// Who a campaign targets. Tiers are the current loyalty status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    AllMembers,
    Tier(Tier),
    /// No purchase in the 90 days before the send.
    Lapsed90d,
    /// Signed up in the 30 days before the send.
    NewMembers30d,
}

impl Audience {
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::AllMembers => "All members",
            Audience::Tier(Tier::Aurora) => "Aurora tier",
            Audience::Tier(Tier::Nova) => "Nova tier",
            Audience::Tier(Tier::Star) => "Star tier",
            Audience::Lapsed90d => "Lapsed 90d",
            Audience::NewMembers30d => "New members 30d",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Campaign {
    pub id: u64,
    pub name: String,
    pub subject: &'static str,
    /// Seconds since the start date (00:00).
    pub sent_secs: u64,
    pub audience: Audience,
    /// Share of the eligible audience that is sent to.
    pub reach: f64,
}

impl Campaign {
    pub fn sent_day(&self) -> u32 {
        (self.sent_secs / 86_400) as u32
    }
}

use Audience::{AllMembers, Lapsed90d, NewMembers30d};
/// One theme per month from January 2024: (name, subject, audience).
const THEMES: [(&str, &str, Audience); 24] = [
    (
        "New year sale",
        "Start the year with fares from $99",
        AllMembers,
    ),
    (
        "Winter sun",
        "Escape the grey: sun destinations on sale",
        AllMembers,
    ),
    (
        "Aurora lounge access",
        "Your Aurora lounge benefits this spring",
        Audience::Tier(Tier::Aurora),
    ),
    (
        "Spring city breaks",
        "City breaks for spring, double miles",
        AllMembers,
    ),
    (
        "We miss you",
        "It has been a while: 2000 bonus miles inside",
        Lapsed90d,
    ),
    (
        "Summer holidays",
        "Summer fares to 60 destinations",
        AllMembers,
    ),
    (
        "Welcome aboard",
        "Welcome aboard: how to earn your first miles",
        NewMembers30d,
    ),
    (
        "Nova upgrade offer",
        "Upgrade to Business with your miles",
        Audience::Tier(Tier::Nova),
    ),
    ("Autumn getaways", "Autumn getaways from $129", AllMembers),
    (
        "Partner double miles",
        "Double miles with our hotel and car partners",
        AllMembers,
    ),
    (
        "Black Friday",
        "Black Friday: our lowest fares of the year",
        AllMembers,
    ),
    ("Year in review", "Your year in miles", AllMembers),
    (
        "New year sale",
        "New year, new places: fares from $99",
        AllMembers,
    ),
    (
        "Come back",
        "We saved you a seat: 3000 bonus miles",
        Lapsed90d,
    ),
    (
        "Star status boost",
        "Two more flights to reach Nova",
        Audience::Tier(Tier::Star),
    ),
    (
        "Spring city breaks",
        "Spring in the city, double miles",
        AllMembers,
    ),
    (
        "Aurora events",
        "An evening for our Aurora members",
        Audience::Tier(Tier::Aurora),
    ),
    (
        "Summer holidays",
        "Summer is calling: 70 destinations",
        AllMembers,
    ),
    ("Still there?", "Your miles are waiting for you", Lapsed90d),
    (
        "Nova upgrade offer",
        "Upgrade with miles this summer",
        Audience::Tier(Tier::Nova),
    ),
    ("Autumn getaways", "Autumn escapes from $119", AllMembers),
    (
        "Partner double miles",
        "Earn double at hotels and car rentals",
        AllMembers,
    ),
    (
        "Black Friday",
        "Black Friday: fares you will not see again",
        AllMembers,
    ),
    (
        "Year in review",
        "Your year in miles and what is next",
        AllMembers,
    ),
];

/// The campaign calendar for a seed: one campaign per month, sent on a
/// working-hours morning between the 3rd and the 20th.
pub fn campaigns(seed: u64) -> Vec<Campaign> {
    let mut rng = rng_for(seed, Stream::Campaigns, 0);
    THEMES
        .iter()
        .enumerate()
        .map(|(k, &(theme, subject, audience))| {
            let (year, month) = (START.0 + (k / 12) as i32, (k % 12) as u32 + 1);
            let day = day_index((year, month, 1)) + rng.random_range(2..20);
            let secs = rng.random_range(7..11) * 3600 + rng.random_range(0..4) * 900;
            Campaign {
                id: k as u64 + 1,
                name: format!("{year}-{month:02} {theme}"),
                subject,
                sent_secs: day as u64 * 86_400 + secs,
                audience,
                reach: rng.random_range(0.4..0.7),
            }
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Send,
    Open,
    Click,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Send => "send",
            EventType::Open => "open",
            EventType::Click => "click",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmailEvent {
    pub campaign_id: u64,
    pub kind: EventType,
    /// Seconds since the start date.
    pub ts: u64,
}

fn eligible(c: &Customer, h: &History, camp: &Campaign) -> bool {
    let day = camp.sent_day();
    if c.signup_day >= day {
        return false;
    }
    match camp.audience {
        Audience::AllMembers => true,
        Audience::Tier(t) => c.tier == t,
        Audience::Lapsed90d => {
            let last = h.purchases.iter().take_while(|p| p.day < day).last();
            last.is_some_and(|p| day - p.day >= 90)
        }
        Audience::NewMembers30d => day - c.signup_day <= 30,
    }
}

/// A customer's email events, in campaign order, none after `end_secs`.
/// Each customer has an open rate in 20-40% (halved once they have dropped
/// out, so opens carry a signal about who is still active) and a click rate
/// of 10-25% of opens.
pub fn customer_events(
    seed: u64,
    c: &Customer,
    h: &History,
    campaigns: &[Campaign],
    end_secs: u64,
    out: &mut Vec<EmailEvent>,
) {
    out.clear();
    let mut rng = rng_for(seed, Stream::Email, c.id - 1);
    let open_rate: f64 = rng.random_range(0.2..0.4);
    let click_rate: f64 = rng.random_range(0.10..0.25);
    // Means of 8 hours to open and 2 minutes from open to click; the
    // constants are valid rates.
    let (Ok(to_open), Ok(to_click)) = (Exp::new(1.0 / (8.0 * 3600.0)), Exp::new(1.0 / 120.0))
    else {
        return;
    };
    let last_day = h.purchases.last().map_or(c.signup_day, |p| p.day);
    for camp in campaigns {
        if !eligible(c, h, camp) || rng.random::<f64>() >= camp.reach {
            continue;
        }
        let send = camp.sent_secs + rng.random_range(0..3600);
        let active = !(h.dropped && last_day < camp.sent_day());
        let mut push = |kind, ts: u64| {
            if ts <= end_secs {
                out.push(EmailEvent {
                    campaign_id: camp.id,
                    kind,
                    ts,
                });
            }
        };
        push(EventType::Send, send);
        let p_open = if active { open_rate } else { open_rate * 0.5 };
        if rng.random::<f64>() < p_open {
            let open = send + 30 + (to_open.sample(&mut rng) as u64).min(10 * 86_400);
            push(EventType::Open, open);
            if rng.random::<f64>() < click_rate {
                push(
                    EventType::Click,
                    open + 3 + to_click.sample(&mut rng) as u64,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_is_monthly_and_deterministic() {
        let a = campaigns(1);
        assert_eq!(a, campaigns(1));
        assert_ne!(a, campaigns(2));
        assert_eq!(a.len(), 24);
        assert!(
            a.windows(2)
                .all(|w| w[0].sent_secs + 10 * 86_400 < w[1].sent_secs)
        );
        assert_eq!(&a[0].name[..8], "2024-01 ");
        assert_eq!(&a[23].name[..8], "2025-12 ");
        assert!(a.iter().all(|c| (0.4..0.7).contains(&c.reach)));
    }
}
