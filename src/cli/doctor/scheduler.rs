//! Scheduler checks: the crontab line and the systemd user timer that would
//! run `clvdesk --run-schedule --workspace DIR`, and whether either is
//! installed for this user (`crontab -l`; unit files under
//! `~/.config/systemd/user`).

use std::path::{Path, PathBuf};

use super::Check;
use crate::workspace::definitions;
use crate::workspace::paths::folders;

/// Every five minutes: `--run-schedule` runs only what is due, so the
/// schedules' own frequencies decide what actually runs.
const CRON_WHEN: &str = "*/5 * * * *";
const SYSTEMD_WHEN: &str = "*:0/5";
const UNIT: &str = "clvdesk-schedule";

/// Single-quotes `s` for a POSIX shell.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn exe() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.canonicalize().ok())
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "clvdesk".into())
}

/// The crontab line running the due jobs of the workspace at `root`.
pub fn cron_line(exe: &str, root: &Path) -> String {
    let ws = root.display().to_string();
    let log = root.join(folders::STATE).join("run-schedule.log");
    format!(
        "{CRON_WHEN} {} --run-schedule --workspace {} >> {} 2>&1",
        sh_quote(exe),
        sh_quote(&ws),
        sh_quote(&log.display().to_string())
    )
}

fn systemd_user_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| directories::BaseDirs::new().map(|b| b.home_dir().join(".config")))?;
    Some(base.join("systemd").join("user"))
}

/// Lines of the user's crontab that run `--run-schedule`; `None` without `crontab`.
fn crontab_runners() -> Option<Vec<String>> {
    let out = std::process::Command::new("crontab")
        .arg("-l")
        .stdin(std::process::Stdio::null())
        .output()
        .ok()?;
    // "no crontab for USER" exits 1: an empty crontab.
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    Some(
        text.lines()
            .map(str::trim)
            .filter(|l| !l.starts_with('#') && l.contains("--run-schedule"))
            .map(str::to_string)
            .collect(),
    )
}

/// systemd user services running `--run-schedule`: (unit file, its timer is enabled, text).
fn systemd_runners(dir: &Path) -> Vec<(PathBuf, bool, String)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
        if path.extension().is_none_or(|e| e != "service") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        if !text.contains("--run-schedule") {
            continue;
        }
        let timer = path.with_extension("timer");
        let enabled = timer
            .file_name()
            .is_some_and(|n| dir.join("timers.target.wants").join(n).exists());
        out.push((path, enabled, text));
    }
    out.sort();
    out
}

pub fn checks(root: &Path) -> Vec<Check> {
    let exe = exe();
    let ws = root.display().to_string();
    let schedules = definitions::folder(folders::SCHEDULES)
        .map(|f| definitions::names(root, f).len())
        .unwrap_or(0);
    let mut out = Vec::new();
    let mut installed = false;
    match crontab_runners() {
        None => out.push(Check::ok("cron: no crontab command on this machine")),
        Some(lines) => {
            for line in lines {
                if line.contains(&ws) {
                    installed = true;
                    out.push(Check::ok(format!("cron runs this workspace: {line}")));
                } else {
                    out.push(Check::ok(format!("cron runs another workspace: {line}")));
                }
            }
        }
    }
    let unit_dir = systemd_user_dir();
    for (path, enabled, text) in unit_dir.as_deref().map(systemd_runners).unwrap_or_default() {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let timer = name.replace(".service", ".timer");
        match (text.contains(&ws), enabled) {
            (true, true) => {
                installed = true;
                out.push(Check::ok(format!(
                    "systemd user timer {timer} runs this workspace"
                )));
            }
            (true, false) => out.push(Check::warn(
                format!("systemd: {name} runs this workspace but {timer} is not enabled"),
                format!("systemctl --user enable --now {timer}"),
            )),
            (false, _) => out.push(Check::ok(format!("systemd: {name} runs another workspace"))),
        }
    }
    if installed {
        return out;
    }
    let unit_dir = unit_dir
        .map(|d| d.display().to_string())
        .unwrap_or_else(|| "~/.config/systemd/user".into());
    let how = format!(
        "add this line with `crontab -e`:\n  {}\nor install a systemd user timer: {unit_dir}/{UNIT}.service with\n  ExecStart=\"{exe}\" --run-schedule --workspace \"{ws}\"\n\
         and {unit_dir}/{UNIT}.timer with OnCalendar={SYSTEMD_WHEN} (README: cron and systemd), then\n  \
         systemctl --user enable --now {UNIT}.timer",
        cron_line(&exe, root)
    );
    if schedules > 0 {
        out.push(Check::warn(
            format!(
                "{schedules} schedule{} in {}/ but nothing runs them while the app is closed",
                if schedules == 1 { "" } else { "s" },
                folders::SCHEDULES
            ),
            how,
        ));
    } else {
        out.push(
            Check::ok("no schedules in this workspace yet; to run them while the app is closed,")
                .with_note(how),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cron_line_quotes_paths() {
        let line = cron_line("/opt/clv desk/clvdesk", Path::new("/w/it's"));
        assert_eq!(
            line,
            "*/5 * * * * '/opt/clv desk/clvdesk' --run-schedule --workspace '/w/it'\\''s' \
             >> '/w/it'\\''s/.clvdesk/run-schedule.log' 2>&1"
        );
    }

    #[test]
    fn finds_enabled_systemd_runners() {
        let dir = tempfile::tempdir().unwrap();
        let (svc, timer) = ("clvdesk-schedule.service", "clvdesk-schedule.timer");
        let svc_text = "[Service]\nExecStart=\"/bin/clvdesk\" --run-schedule --workspace \"/w\"\n";
        std::fs::write(dir.path().join(svc), svc_text).unwrap();
        std::fs::write(dir.path().join(timer), "[Timer]\nOnCalendar=*:0/5\n").unwrap();
        std::fs::write(dir.path().join("other.service"), "ExecStart=/bin/true").unwrap();
        let found = systemd_runners(dir.path());
        assert_eq!(found.len(), 1);
        assert!(!found[0].1, "not enabled yet");
        std::fs::create_dir_all(dir.path().join("timers.target.wants")).unwrap();
        std::fs::write(dir.path().join("timers.target.wants").join(timer), "").unwrap();
        assert!(systemd_runners(dir.path())[0].1);
        assert!(found[0].2.contains("--workspace \"/w\""));
    }
}
