//! Records the source revision in the binary, for manifests.
use std::process::Command;

fn main() {
    // Watch the checkout's HEAD where it is a directory; in a git worktree
    // `.git` is a file, and watching a missing path would rebuild every
    // time, so only this script is watched there.
    if std::path::Path::new(".git/HEAD").is_file() {
        println!("cargo:rerun-if-changed=.git/HEAD");
        println!("cargo:rerun-if-changed=.git/refs");
    } else {
        println!("cargo:rerun-if-changed=build.rs");
    }
    let revision = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    if let Some(rev) = revision {
        println!("cargo:rustc-env=FLYWHEEL_GIT_REVISION={rev}");
    }
}
