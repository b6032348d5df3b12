use super::*;

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn replaces_content_and_leaves_no_temp_files() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("sub/a.toml");
    write_atomic(&p, b"one").unwrap();
    write_atomic(&p, b"two").unwrap();
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "two");
    assert_eq!(names(p.parent().unwrap()), vec!["a.toml"]);
}

#[test]
fn keeps_the_targets_permissions() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("shared.toml");
    std::fs::write(&p, "old").unwrap();
    std::fs::set_permissions(&p, Permissions::from_mode(0o640)).unwrap();
    write_atomic(&p, b"new").unwrap();
    let mode = std::fs::metadata(&p).unwrap().mode() & 0o7777;
    assert_eq!(mode, 0o640, "mode {mode:o}");
    std::fs::set_permissions(&p, Permissions::from_mode(0o604)).unwrap();
    write_atomic(&p, b"newer").unwrap();
    assert_eq!(std::fs::metadata(&p).unwrap().mode() & 0o7777, 0o604);
}

#[test]
fn a_symlink_stays_a_link_to_the_new_content() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.sql");
    let link = dir.path().join("link.sql");
    std::fs::write(&real, "old").unwrap();
    std::os::unix::fs::symlink(&real, &link).unwrap();
    write_atomic(&link, b"new").unwrap();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
}

#[test]
fn concurrent_writers_to_one_path_never_mix() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("out.csv");
    std::thread::scope(|s| {
        for k in 0..6u8 {
            let p = &p;
            s.spawn(move || {
                let body = vec![b'a' + k; 300_000];
                for _ in 0..10 {
                    write_atomic(p, &body).unwrap();
                }
            });
        }
    });
    let got = std::fs::read(&p).unwrap();
    assert_eq!(got.len(), 300_000);
    assert!(
        got.iter().all(|&b| b == got[0]),
        "bytes of two writers mixed"
    );
    assert_eq!(names(dir.path()), vec!["out.csv"]);
}

#[test]
fn an_uncommitted_file_is_removed() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.json");
    std::fs::write(&p, "keep").unwrap();
    {
        let mut f = AtomicFile::new(&p).unwrap();
        f.write_all(b"half").unwrap();
        assert!(f.path().exists());
        assert!(f.path().to_string_lossy().ends_with(".x.json"));
    }
    assert_eq!(names(dir.path()), vec!["x.json"]);
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "keep");
}

#[test]
fn a_staged_folder_replaces_the_set_and_keeps_other_entries() {
    let root = tempfile::tempdir().unwrap();
    let target = root.path().join("out");
    // First write: the target does not exist yet.
    let s = StagingDir::new(&target).unwrap();
    std::fs::write(s.path().join("a.csv"), "a1").unwrap();
    std::fs::write(s.path().join("b.csv"), "b1").unwrap();
    s.commit().unwrap();
    assert_eq!(names(&target), vec!["a.csv", "b.csv"]);
    // The user adds their own things.
    std::fs::write(target.join("notes.txt"), "mine").unwrap();
    std::fs::create_dir(target.join("plots")).unwrap();
    std::fs::write(target.join("plots/p.png"), "png").unwrap();
    // Second write replaces a and b as a set.
    let s = StagingDir::new(&target).unwrap();
    std::fs::write(s.path().join("a.csv"), "a2").unwrap();
    std::fs::write(s.path().join("b.csv"), "b2").unwrap();
    s.commit().unwrap();
    assert_eq!(names(&target), vec!["a.csv", "b.csv", "notes.txt", "plots"]);
    assert_eq!(std::fs::read_to_string(target.join("a.csv")).unwrap(), "a2");
    assert_eq!(std::fs::read_to_string(target.join("b.csv")).unwrap(), "b2");
    assert_eq!(
        std::fs::read_to_string(target.join("notes.txt")).unwrap(),
        "mine"
    );
    assert_eq!(
        std::fs::read_to_string(target.join("plots/p.png")).unwrap(),
        "png"
    );
    assert_eq!(names(root.path()), vec!["out"], "no staging folder left");
    // Dropped before the commit: nothing changes, nothing is left.
    let s = StagingDir::new(&target).unwrap();
    std::fs::write(s.path().join("a.csv"), "a3").unwrap();
    drop(s);
    assert_eq!(std::fs::read_to_string(target.join("a.csv")).unwrap(), "a2");
    assert_eq!(names(root.path()), vec!["out"]);
}
