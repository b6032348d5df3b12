//! CSV row formatting for the four tables. Hand-rolled (no csv crate in the
//! frozen dependency list) and allocation-free per row: this is the hot loop.

use chrono::{Days, NaiveDate};

use super::customers::Customer;
use super::email::{Campaign, EmailEvent};
use super::names::{PARTNERS, ROUTES, email_part};
use super::transactions::{History, Kind};

pub const CUSTOMERS_HEADER: &str =
    "customer_id,email,first_name,last_name,country,loyalty_status,signup_date\n";
pub const TRANSACTIONS_HEADER: &str = "member_id,txn_date,transaction_type,details,miles,amount\n";
pub const CAMPAIGNS_HEADER: &str = "campaign_id,name,subject,sent_at,audience\n";
pub const EVENTS_HEADER: &str = "campaign_id,customer_id,event_type,event_ts\n";

/// Append `s` as one CSV field (RFC 4180): quoted, with `"` doubled, when it
/// contains a comma, quote, CR or LF; as is otherwise.
pub fn field(out: &mut Vec<u8>, s: &[u8]) {
    if s.iter().any(|&b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        out.push(b'"');
        for &b in s {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(s);
    }
}

/// Append the decimal digits of `n`.
pub fn uint(out: &mut Vec<u8>, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

/// Append cents as a dollar amount with two decimals.
pub fn money(out: &mut Vec<u8>, cents: u64) {
    uint(out, cents / 100);
    let c = (cents % 100) as u8;
    out.extend_from_slice(&[b'.', b'0' + c / 10, b'0' + c % 10]);
}

fn two(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(&[b'0' + (n / 10) as u8, b'0' + (n % 10) as u8]);
}

/// `YYYY-MM-DD` for each day index from the start date, precomputed.
#[derive(Debug, Clone)]
pub struct Dates(Vec<[u8; 10]>);

impl Dates {
    pub fn new(start: NaiveDate, days: u32) -> Self {
        Dates(
            (0..days)
                .map(|d| {
                    let date = start.checked_add_days(Days::new(d as u64)).unwrap_or(start);
                    let mut b = [0u8; 10];
                    b.copy_from_slice(date.format("%Y-%m-%d").to_string().as_bytes());
                    b
                })
                .collect(),
        )
    }

    pub fn date(&self, out: &mut Vec<u8>, day: u32) {
        let i = (day as usize).min(self.0.len() - 1);
        out.extend_from_slice(&self.0[i]);
    }

    /// `YYYY-MM-DD HH:MM:SS` for seconds since the start date.
    pub fn timestamp(&self, out: &mut Vec<u8>, secs: u64) {
        self.date(out, (secs / 86_400) as u32);
        let s = secs % 86_400;
        out.push(b' ');
        two(out, s / 3600);
        out.push(b':');
        two(out, s / 60 % 60);
        out.push(b':');
        two(out, s % 60);
    }
}

pub fn customer_row(out: &mut Vec<u8>, dates: &Dates, c: &Customer, scratch: &mut Vec<u8>) {
    uint(out, c.id);
    out.push(b',');
    scratch.clear();
    email_part(c.first_name, scratch);
    scratch.push(b'.');
    email_part(c.last_name, scratch);
    uint(scratch, c.id);
    scratch.push(b'@');
    scratch.extend_from_slice(c.email_domain.as_bytes());
    field(out, scratch);
    out.push(b',');
    field(out, c.first_name.as_bytes());
    out.push(b',');
    field(out, c.last_name.as_bytes());
    out.push(b',');
    field(out, c.country.as_bytes());
    out.push(b',');
    out.extend_from_slice(c.tier.as_str().as_bytes());
    out.push(b',');
    dates.date(out, c.signup_day);
    out.push(b'\n');
}

fn txn_row(out: &mut Vec<u8>, head: &[u8], kind: &str, details: &[u8], miles: u64, cents: u64) {
    out.extend_from_slice(head);
    out.extend_from_slice(kind.as_bytes());
    out.push(b',');
    field(out, details);
    out.push(b',');
    uint(out, miles);
    out.push(b',');
    money(out, cents);
    out.push(b'\n');
}

/// Rows of one customer's history; returns how many were written.
pub fn transaction_rows(out: &mut Vec<u8>, dates: &Dates, id: u64, h: &History) -> u64 {
    let mut head = Vec::with_capacity(32);
    let mut route = [0u8; 7];
    let mut n = 0;
    for p in &h.purchases {
        head.clear();
        uint(&mut head, id);
        head.push(b',');
        dates.date(&mut head, p.day);
        head.push(b',');
        match p.kind {
            Kind::Flight { route: r, outbound } => {
                let (a, b) = if outbound {
                    ("AMS", ROUTES[r as usize].0)
                } else {
                    (ROUTES[r as usize].0, "AMS")
                };
                route[..3].copy_from_slice(a.as_bytes());
                route[3] = b'-';
                route[4..].copy_from_slice(b.as_bytes());
                txn_row(out, &head, "STATUS_MILES", &route, p.miles, p.cents);
                txn_row(out, &head, "AWARD_MILES", &route, p.miles, 0);
                n += 2;
            }
            Kind::Partner { partner } => {
                txn_row(
                    out,
                    &head,
                    "PURCHASE",
                    PARTNERS[partner as usize].0.as_bytes(),
                    p.miles,
                    p.cents,
                );
                n += 1;
            }
        }
    }
    n
}

pub fn campaign_row(out: &mut Vec<u8>, dates: &Dates, c: &Campaign) {
    uint(out, c.id);
    out.push(b',');
    field(out, c.name.as_bytes());
    out.push(b',');
    field(out, c.subject.as_bytes());
    out.push(b',');
    dates.timestamp(out, c.sent_secs);
    out.push(b',');
    field(out, c.audience.as_str().as_bytes());
    out.push(b'\n');
}

pub fn event_rows(out: &mut Vec<u8>, dates: &Dates, customer_id: u64, events: &[EmailEvent]) {
    for e in events {
        uint(out, e.campaign_id);
        out.push(b',');
        uint(out, customer_id);
        out.push(b',');
        out.extend_from_slice(e.kind.as_str().as_bytes());
        out.push(b',');
        dates.timestamp(out, e.ts);
        out.push(b'\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut v = Vec::new();
        f(&mut v);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn fields_are_quoted_only_when_needed() {
        assert_eq!(s(|o| field(o, b"AMS-JFK")), "AMS-JFK");
        assert_eq!(s(|o| field(o, b"a,b")), "\"a,b\"");
        assert_eq!(s(|o| field(o, b"say \"hi\"")), "\"say \"\"hi\"\"\"");
        assert_eq!(s(|o| field(o, b"two\nlines")), "\"two\nlines\"");
        assert_eq!(s(|o| field(o, b"O'Brien")), "O'Brien");
        assert_eq!(s(|o| field(o, b"")), "");
    }

    #[test]
    fn numbers_and_times() {
        assert_eq!(s(|o| uint(o, 0)), "0");
        assert_eq!(s(|o| uint(o, u64::MAX)), u64::MAX.to_string());
        assert_eq!(s(|o| money(o, 1)), "0.01");
        assert_eq!(s(|o| money(o, 123_450)), "1234.50");
        let d = Dates::new(NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(), 800);
        assert_eq!(s(|o| d.date(o, 59)), "2024-02-29");
        assert_eq!(s(|o| d.date(o, 730)), "2025-12-31");
        assert_eq!(
            s(|o| d.timestamp(o, 86_400 + 3600 * 9 + 61)),
            "2024-01-02 09:01:01"
        );
    }
}
