//! `clvdesk dashboard (list | render NAME [--width W] [--height H]
//! [--start DATE --end DATE] [--param VALUE] [--format text|ansi]) [--workspace DIR]`.
//!
//! `render` draws the dashboard with the app's code into a buffer and prints it
//! (plain text, or with colours), so cron can mail it or a test can diff it.
//! Exit codes: 0 drawn; 1 a widget failed (its error is printed in its box and
//! on stderr); 2 an unknown dashboard, a bad flag or a parameter value that is
//! not one of the choices.

use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};

use super::Cli;
use super::exit::CliError;
use crate::dashboard::{self, file};

#[derive(Debug, Args)]
pub struct DashboardArgs {
    #[command(subcommand)]
    pub command: DashboardCommand,
}

#[derive(Debug, Subcommand)]
pub enum DashboardCommand {
    /// List the workspace's dashboards (dashboards/*.toml).
    List,
    /// Draw a dashboard as text: every widget's query runs, at most four at once.
    Render(RenderArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Plain text (diffable).
    Text,
    /// Text with ANSI colours.
    Ansi,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The dashboard's name (its file name without .toml).
    pub name: String,
    /// Columns to draw in.
    #[arg(long, value_name = "W", default_value_t = 120, value_parser = clap::value_parser!(u16).range(20..=1000))]
    pub width: u16,
    /// Rows to draw in (default: as tall as the widgets).
    #[arg(long, value_name = "H", value_parser = clap::value_parser!(u16).range(3..=2000))]
    pub height: Option<u16>,
    /// First day of the range ($START_DATE); default: 12 months before the data's end.
    #[arg(long, value_name = "DATE", value_parser = parse_date, requires = "end")]
    pub start: Option<NaiveDate>,
    /// Last day of the range ($END_DATE), included; default: the data's last day.
    #[arg(long, value_name = "DATE", value_parser = parse_date, requires = "start")]
    pub end: Option<NaiveDate>,
    /// The global parameter's value ($PARAM); default: the dashboard's default, else all.
    #[arg(long, value_name = "VALUE")]
    pub param: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| format!("{s:?} is not a date YYYY-MM-DD: {e}"))
}

pub fn run(cli: &Cli, args: &DashboardArgs) -> anyhow::Result<()> {
    match &args.command {
        DashboardCommand::List => list(cli),
        DashboardCommand::Render(r) => render(cli, r),
    }
}

fn list(cli: &Cli) -> anyhow::Result<()> {
    let ws = super::open_workspace(cli)?;
    for (name, path) in file::list(ws.root()) {
        let d = file::load(&path);
        let broken = d.all_problems().len();
        let note = if broken > 0 {
            format!(", {broken} problem(s): clvdesk doctor or the Dashboard tab shows them")
        } else {
            String::new()
        };
        println!("{name}\t{}\t{} widgets{note}", d.title, d.widgets.len());
    }
    Ok(())
}

fn render(cli: &Cli, args: &RenderArgs) -> anyhow::Result<()> {
    let ws = super::open_workspace(cli)?;
    let all = file::list(ws.root());
    let Some((_, path)) = all.iter().find(|(n, _)| *n == args.name) else {
        let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
        return Err(CliError::Usage(format!(
            "no dashboard `{}` in {} (dashboards: {})",
            args.name,
            ws.root().join(file::DIR).display(),
            if names.is_empty() {
                "none".into()
            } else {
                names.join(", ")
            }
        ))
        .into());
    };
    let dash = file::load(path);
    let conn = ws.db().conn();
    super::exit::interrupt_on_ctrl_c(conn);
    if let Some(p) = &args.param {
        let choices = dashboard::param_choices(conn, &dash).map_err(CliError::Failed)?;
        if dash.param.is_none() {
            return Err(CliError::Usage(format!(
                "dashboard `{}` has no [param]; --param is not used",
                args.name
            ))
            .into());
        }
        if !choices.contains(p) {
            return Err(CliError::Usage(format!(
                "--param {p:?} is not one of the choices: {}",
                choices.join(", ")
            ))
            .into());
        }
    }
    let filters = dashboard::initial_filters(conn, &dash, args.start, args.end, args.param.clone())
        .map_err(CliError::Usage)?;
    let states = dashboard::load_all(conn, ws.root(), &dash, &filters);
    let theme = crate::tui::theme::Theme::dark();
    let buf =
        dashboard::render_to_buffer(&dash, &states, &filters, args.width, args.height, &theme);
    match args.format {
        Format::Text => println!("{}", crate::tui::headless::buffer_text(&buf)),
        Format::Ansi => print!("{}", dashboard::render::to_ansi(&buf)),
    }
    let failures = dashboard::failures(&dash, &states);
    if failures.is_empty() {
        return Ok(());
    }
    for f in &failures {
        eprintln!("clvdesk: {f}");
    }
    Err(CliError::Failed(format!(
        "{} widget problem(s) in dashboard `{}`",
        failures.len(),
        args.name
    ))
    .into())
}
