//! Writing a whole result with DuckDB's own writers (COPY), so an export never
//! passes through the app's memory: to a file (atomically, see
//! [`crate::atomic`]) or to an open handle such as stdout ([`copy_to_stream`]).

use std::fs::File;
use std::io::ErrorKind;
use std::path::Path;

use duckdb::Connection;

use crate::atomic::AtomicFile;

use super::EngineError;
use crate::sql::{parenthesize, quote_literal};

/// File formats DuckDB writes for us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Csv,
    Tsv,
    Json,
    Jsonl,
    Parquet,
}

impl ExportFormat {
    /// Guesses the format from a file name's extension.
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "csv" => Self::Csv,
            "tsv" | "tab" => Self::Tsv,
            "json" => Self::Json,
            "jsonl" | "ndjson" => Self::Jsonl,
            "parquet" | "pq" => Self::Parquet,
            _ => return None,
        })
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Tsv => "tsv",
            Self::Json => "json",
            Self::Jsonl => "jsonl",
            Self::Parquet => "parquet",
        }
    }

    /// The options clause of `COPY ... TO ... (...)`.
    pub fn copy_options(self) -> &'static str {
        match self {
            Self::Csv => "FORMAT csv, HEADER true",
            Self::Tsv => "FORMAT csv, HEADER true, DELIMITER '\t'",
            Self::Json => "FORMAT json, ARRAY true",
            Self::Jsonl => "FORMAT json",
            Self::Parquet => "FORMAT parquet, COMPRESSION zstd",
        }
    }
}

/// `COPY (source) TO path`, atomically and durably: DuckDB writes a temp file
/// with a unique name beside the target (see [`crate::atomic`]), which is
/// fsynced and renamed over it; on an error the temp file is removed.
/// Special files (`/dev/null`, a fifo) are written in place.
pub fn copy_to(
    conn: &Connection,
    source: &str,
    path: &Path,
    format: ExportFormat,
) -> Result<u64, EngineError> {
    if path.exists() && !path.is_file() {
        return copy_to_unchecked(conn, source, path, format);
    }
    let tmp = AtomicFile::new(path).map_err(|e| EngineError::io(path, e))?;
    let written = copy_to_unchecked(conn, source, tmp.path(), format)?;
    tmp.commit().map_err(|e| EngineError::io(path, e))?;
    Ok(written)
}

/// `COPY (source) TO path` in place, without the temp-file dance.
pub fn copy_to_unchecked(
    conn: &Connection,
    source: &str,
    path: &Path,
    format: ExportFormat,
) -> Result<u64, EngineError> {
    let target = path
        .to_str()
        .ok_or_else(|| EngineError::Invalid(format!("{}: not a UTF-8 path", path.display())))?;
    // USE_TMP_FILE false: the target is already our own temp file (or a
    // special file); DuckDB's own `<path>.tmp` would escape our cleanup.
    let sql = format!(
        "COPY {} TO {} ({}, USE_TMP_FILE false)",
        parenthesize(source),
        quote_literal(target),
        format.copy_options()
    );
    let n = conn.execute(&sql, [])?;
    Ok(n as u64)
}

/// How a [`copy_to_stream`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Streamed {
    /// Every row was written.
    Rows(u64),
    /// The reader went away (`| head`): the query was stopped, nothing failed.
    ReaderClosed,
}

/// `COPY (source)` written by DuckDB's own writers into `out`, an open file
/// handle (our stdout: a pipe, a socket, a file opened for append). DuckDB
/// cannot be given a handle, and `COPY ... TO '/dev/stdout'` reopens the file
/// (truncating a `>>` target, failing on a socket), so DuckDB writes into a
/// private fifo and a thread copies the bytes to `out` (splice, no user-space
/// buffer). The bytes are exactly COPY's; memory stays at one pipe buffer.
pub fn copy_to_stream(
    conn: &Connection,
    source: &str,
    format: ExportFormat,
    out: File,
) -> Result<Streamed, EngineError> {
    let dir = tempfile::Builder::new()
        .prefix(".clvdesk-fifo-")
        .tempdir()
        .map_err(|e| EngineError::io(std::env::temp_dir(), e))?;
    let fifo = dir.path().join(format!("out.{}", format.extension()));
    let (mut reader, keep_open) = open_fifo(&fifo).map_err(|e| EngineError::io(&fifo, e))?;
    let interrupt = conn.interrupt_handle();
    let (copied, relayed) = std::thread::scope(|s| {
        let relay = s.spawn(move || -> std::io::Result<bool> {
            let mut out = out;
            match std::io::copy(&mut reader, &mut out) {
                Ok(_) => Ok(false),
                Err(e) => {
                    // Stop DuckDB, and keep draining so its writes never block.
                    interrupt.interrupt();
                    let _ = std::io::copy(&mut reader, &mut std::io::sink());
                    if e.kind() == ErrorKind::BrokenPipe {
                        Ok(true)
                    } else {
                        Err(e)
                    }
                }
            }
        });
        let copied = copy_to_unchecked(conn, source, &fifo, format);
        // The reader sees the end once DuckDB and this handle are both closed.
        drop(keep_open);
        let relayed = relay
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("the output thread panicked")));
        (copied, relayed)
    });
    match (copied, relayed) {
        (_, Ok(true)) => Ok(Streamed::ReaderClosed),
        // A failed write (disk full) is the error to report, not DuckDB's interruption.
        (_, Err(e)) => Err(EngineError::io("the output", e)),
        (Err(e), Ok(false)) => Err(e),
        (Ok(n), Ok(false)) => Ok(Streamed::Rows(n)),
    }
}

/// Makes a fifo at `path` and opens both ends without blocking: the read end
/// (blocking again afterwards, with a large pipe buffer) and a write end that
/// keeps the reader from seeing an end before DuckDB has even opened the fifo.
fn open_fifo(path: &Path) -> std::io::Result<(File, File)> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::OpenOptionsExt;
    use std::os::unix::io::AsRawFd;
    let c_path =
        std::ffi::CString::new(path.as_os_str().as_bytes()).map_err(std::io::Error::other)?;
    // SAFETY: a valid NUL-terminated path; mkfifo only reads it.
    if unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let reader = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    let fd = reader.as_raw_fd();
    // SAFETY: fcntl on a descriptor we own; flags are read, then written back.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags < 0 || libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // Fewer wake-ups per megabyte; the default 64 KiB works too.
        libc::fcntl(fd, libc::F_SETPIPE_SZ, 1 << 20);
    }
    let keep_open = std::fs::OpenOptions::new().write(true).open(path)?;
    Ok((reader, keep_open))
}

#[cfg(test)]
mod tests {
    use clap::ValueEnum;

    use super::*;

    #[test]
    fn formats_from_extension() {
        assert_eq!(
            ExportFormat::from_path(Path::new("a.CSV")),
            Some(ExportFormat::Csv)
        );
        assert_eq!(
            ExportFormat::from_path(Path::new("a.parquet")),
            Some(ExportFormat::Parquet)
        );
        assert_eq!(ExportFormat::from_path(Path::new("a")), None);
    }

    #[test]
    fn copy_writes_every_row_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let conn = Connection::open_in_memory().unwrap();
        for &fmt in ExportFormat::value_variants() {
            let path = dir.path().join(format!("out.{}", fmt.extension()));
            let n = copy_to(&conn, "SELECT range AS i FROM range(1234)", &path, fmt).unwrap();
            assert_eq!(n, 1234);
            assert!(path.exists());
        }
        let leftovers = std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with('.')
            })
            .count();
        assert_eq!(leftovers, 0);
        let bad = copy_to(
            &conn,
            "SELECT nope",
            &dir.path().join("bad.csv"),
            ExportFormat::Csv,
        );
        assert!(bad.is_err());
        assert!(!dir.path().join("bad.csv").exists());
    }

    /// Every type COPY writes, with the values that trip writers up.
    const TRICKY: &str = "SELECT * FROM (VALUES \
        (1, 'plain', DATE '2024-02-29', TIMESTAMP '2024-01-02 03:04:05.678', 12.50::DECIMAL(10,2), 0.1::DOUBLE, [1, 2], {'k': 'v'}, TRUE), \
        (2, 'a,b \"q\" ''s''', DATE '1970-01-01', TIMESTAMP '1999-12-31 23:59:59', -0.01::DECIMAL(10,2), 1e300::DOUBLE, [], {'k': NULL}, FALSE), \
        (3, 'line1' || chr(10) || 'line2' || chr(13) || chr(9) || 'tab', NULL, NULL, NULL, 'nan'::DOUBLE, NULL, NULL, NULL), \
        (4, NULL, DATE '9999-12-31', TIMESTAMP '2024-06-01 12:00:00', 99999999.99::DECIMAL(10,2), -0.0::DOUBLE, [NULL], {'k': 'x,y'}, NULL), \
        (5, '', DATE '2024-01-01', TIMESTAMP '2024-01-01', 0::DECIMAL(10,2), 1.0/3, [3], {'k': ''}, TRUE)) \
        AS t(id, s, d, ts, dec, f, l, st, b)";

    #[test]
    fn a_stream_is_byte_identical_to_a_copy_to_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let conn = Connection::open_in_memory().unwrap();
        for &fmt in ExportFormat::value_variants() {
            let file = dir.path().join(format!("file.{}", fmt.extension()));
            assert_eq!(copy_to(&conn, TRICKY, &file, fmt).unwrap(), 5);
            let streamed = dir.path().join(format!("streamed.{}", fmt.extension()));
            let out = File::create(&streamed).unwrap();
            assert_eq!(
                copy_to_stream(&conn, TRICKY, fmt, out).unwrap(),
                Streamed::Rows(5)
            );
            let (a, b) = (
                std::fs::read(&file).unwrap(),
                std::fs::read(&streamed).unwrap(),
            );
            assert!(a.len() > 40, "{fmt:?}");
            assert!(
                a == b,
                "{fmt:?} differs:\n{}\n---\n{}",
                String::from_utf8_lossy(&a),
                String::from_utf8_lossy(&b)
            );
        }
    }

    #[test]
    fn a_stream_appends_to_a_file_opened_for_append() {
        let dir = tempfile::tempdir().unwrap();
        let conn = Connection::open_in_memory().unwrap();
        let log = dir.path().join("log.csv");
        std::fs::write(&log, "earlier\n").unwrap();
        for _ in 0..2 {
            let out = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
            copy_to_stream(&conn, "SELECT 1 AS a", ExportFormat::Csv, out).unwrap();
        }
        assert_eq!(
            std::fs::read_to_string(&log).unwrap(),
            "earlier\na\n1\na\n1\n"
        );
    }

    #[test]
    fn a_closed_reader_stops_the_query_quietly() {
        let conn = Connection::open_in_memory().unwrap();
        let (r, w) = std::io::pipe().unwrap();
        drop(r);
        let got = copy_to_stream(
            &conn,
            "SELECT * FROM range(100000000000)",
            ExportFormat::Csv,
            File::from(std::os::fd::OwnedFd::from(w)),
        )
        .unwrap();
        assert_eq!(got, Streamed::ReaderClosed);
        // The connection still works.
        let n = copy_to_unchecked(&conn, "SELECT 1", Path::new("/dev/null"), ExportFormat::Csv);
        assert_eq!(n.unwrap(), 1);
    }

    #[test]
    fn a_failed_stream_reports_duckdbs_error() {
        let conn = Connection::open_in_memory().unwrap();
        let out = File::create("/dev/null").unwrap();
        let err = copy_to_stream(&conn, "SELECT nope", ExportFormat::Csv, out).unwrap_err();
        assert!(err.to_string().contains("nope"), "{err}");
    }

    #[test]
    fn two_exports_to_one_path_at_once_each_land_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        let db = crate::engine::Database::open_in_memory().unwrap();
        std::thread::scope(|s| {
            for k in 0..4 {
                let conn = db.clone_conn().unwrap();
                let path = &path;
                s.spawn(move || {
                    for _ in 0..3 {
                        let sql = format!("SELECT {k} AS k, range AS i FROM range(200000)");
                        let n = copy_to(&conn, &sql, path, ExportFormat::Csv).unwrap();
                        assert_eq!(n, 200000);
                    }
                });
            }
        });
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("k,i"));
        let body: Vec<&str> = lines.collect();
        assert_eq!(body.len(), 200000);
        let k = body[0].split(',').next().unwrap();
        let whole = body
            .iter()
            .enumerate()
            .all(|(i, l)| *l == format!("{k},{i}"));
        assert!(whole, "two exports mixed");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }
}
