//! Unit tests of decile job files: parsing, errors, comment-keeping edits.

use super::*;

const STARTER: &str = r#"# Members ranked by status miles.
source = "loyalty_transactions"
identity = "member_id"
metric = "miles"            # status miles only, see filter
date_column = "txn_date"
category = "loyalty_status"
category_table = "customers"
category_key = "customer_id"
windows = ["1m", "3m", "6m", "12m", "lifetime"]
# one flight is a STATUS_MILES and an AWARD_MILES row
filter = "transaction_type = 'STATUS_MILES'"
"#;

fn p() -> PathBuf {
    PathBuf::from("ws/deciles/loyalty_miles.toml")
}

#[test]
fn parses_with_defaults() {
    let j = parse_job(&p(), STARTER).unwrap();
    assert_eq!(j.name, "loyalty_miles");
    assert_eq!(j.output_prefix, "loyalty_miles");
    assert_eq!(j.buckets, 10);
    assert_eq!(j.as_of, AsOf::Latest);
    assert_eq!(j.mode, Mode::Window);
    assert_eq!(j.category_table.as_deref(), Some("customers"));
    assert_eq!(
        j.windows,
        vec![
            Window::M1,
            Window::M3,
            Window::M6,
            Window::M12,
            Window::Lifetime
        ]
    );
}

#[test]
fn windows_as_numbers_and_dates_as_literals() {
    let text = "source='t'\nidentity='i'\nmetric='m'\ncategory='c'\ndate_column='d'\nwindows=[12, 1, \"lifetime\", 1]\nas_of=2025-06-30\nbuckets=100\nmode='cumulative'\n";
    let j = parse_job(Path::new("x.toml"), text).unwrap();
    assert_eq!(j.windows, vec![Window::M1, Window::M12, Window::Lifetime]);
    assert_eq!(
        j.as_of,
        AsOf::Date(NaiveDate::from_ymd_opt(2025, 6, 30).unwrap())
    );
    assert_eq!(j.buckets, 100);
    assert_eq!(j.mode, Mode::Cumulative);
    let text2 = text.replace("as_of=2025-06-30", "as_of='2025-06-30'");
    assert_eq!(
        parse_job(Path::new("x.toml"), &text2).unwrap().as_of,
        j.as_of
    );
}

#[test]
fn errors_name_file_and_key() {
    let e = parse_job(&p(), &format!("{STARTER}colour = 'red'\n")).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.starts_with("ws/deciles/loyalty_miles.toml: line 12:"),
        "{msg}"
    );
    assert!(msg.contains("colour"), "{msg}");

    let e = parse_job(&p(), &format!("{STARTER}buckets = 7\n")).unwrap_err();
    assert!(matches!(
        e,
        DecileJobFileError::Invalid { key: "buckets", .. }
    ));
    assert!(e.to_string().contains("key `buckets`"));

    let e = parse_job(&p(), &format!("{STARTER}as_of = 'yesterday'\n")).unwrap_err();
    assert!(matches!(
        e,
        DecileJobFileError::Invalid { key: "as_of", .. }
    ));

    let e = parse_job(&p(), &STARTER.replace("\"12m\"", "\"2m\"")).unwrap_err();
    assert!(matches!(
        e,
        DecileJobFileError::Invalid { key: "windows", .. }
    ));

    let e = parse_job(&p(), &STARTER.replace("metric = \"miles\"", "")).unwrap_err();
    assert!(matches!(
        e,
        DecileJobFileError::Invalid { key: "metric", .. }
    ));

    let e = parse_job(&p(), &format!("{STARTER}mode = 'rolling'\n")).unwrap_err();
    assert!(matches!(e, DecileJobFileError::Invalid { key: "mode", .. }));

    let e = parse_job(Path::new("bad name.toml"), STARTER).unwrap_err();
    assert!(e.to_string().contains("not a job name"));
}

#[test]
fn editing_keeps_comments_and_untouched_keys() {
    let mut j = parse_job(&p(), STARTER).unwrap();
    j.metric = "miles * 2".into();
    j.buckets = 4;
    j.filter = None;
    let out = render_job(Some(STARTER), &j);
    assert!(
        out.starts_with("# Members ranked by status miles.\n"),
        "{out}"
    );
    assert!(
        out.contains("metric = \"miles * 2\"            # status miles only, see filter"),
        "{out}"
    );
    assert!(out.contains("buckets = 4"), "{out}");
    assert!(!out.contains("filter ="), "{out}");
    // untouched keys are byte-identical, defaults stay out of the file
    assert!(out.contains("windows = [\"1m\", \"3m\", \"6m\", \"12m\", \"lifetime\"]\n"));
    assert!(!out.contains("mode"), "{out}");
    assert!(!out.contains("as_of"), "{out}");
    let back = parse_job(&p(), &out).unwrap();
    assert_eq!(back, j);
}

#[test]
fn new_file_round_trips() {
    let mut j = parse_job(&p(), STARTER).unwrap();
    j.as_of = AsOf::Date(NaiveDate::from_ymd_opt(2025, 12, 31).unwrap());
    j.mode = Mode::Cumulative;
    j.description = Some("miles".into());
    let out = render_job(None, &j);
    assert!(out.contains("as_of = 2025-12-31"), "{out}");
    assert!(out.contains("mode = \"cumulative\""), "{out}");
    assert_eq!(parse_job(&p(), &out).unwrap(), j);
}

#[test]
fn edit_key_keeps_comments_and_validates() {
    let (text, job) = edit_key(&p(), STARTER, "metric", "miles * 2").unwrap();
    assert!(
        text.contains("metric = \"miles * 2\"            # status miles only"),
        "{text}"
    );
    assert_eq!(job.metric, "miles * 2");
    let (text, job) = edit_key(&p(), &text, "windows", "1m, lifetime 3m").unwrap();
    assert_eq!(job.windows, vec![Window::M1, Window::M3, Window::Lifetime]);
    assert!(text.contains("# one flight is"), "{text}");
    let (text, job) = edit_key(&p(), &text, "as_of", "2025-12-31").unwrap();
    assert!(text.contains("as_of = 2025-12-31"));
    assert_eq!(key_text(&job, "as_of"), "2025-12-31");
    let (_, job) = edit_key(&p(), &text, "filter", "").unwrap();
    assert_eq!(job.filter, None);
    let e = edit_key(&p(), &text, "buckets", "7").unwrap_err();
    assert!(matches!(
        e,
        DecileJobFileError::Invalid { key: "buckets", .. }
    ));
    let e = edit_key(&p(), &text, "windows", "2m").unwrap_err();
    assert!(matches!(
        e,
        DecileJobFileError::Invalid { key: "windows", .. }
    ));
    assert!(edit_key(&p(), &text, "colour", "red").is_err());
    for (k, _) in EDITABLE_KEYS {
        let v = key_text(&job, k);
        let (_, again) = edit_key(&p(), &text, k, &v).unwrap();
        assert_eq!(key_text(&again, k), v, "{k}");
    }
}

#[test]
fn starter_jobs_parse() {
    for (name, text) in STARTER_JOBS {
        let j = parse_job(&job_path(Path::new("deciles"), name), text).unwrap();
        assert_eq!(&j.name, name);
        assert_eq!(render_job(Some(text), &j), *text);
    }
}

#[test]
fn unchanged_job_renders_the_same_text() {
    let j = parse_job(&p(), STARTER).unwrap();
    assert_eq!(render_job(Some(STARTER), &j), STARTER);
}
