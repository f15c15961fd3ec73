//! What the batch backends share: writing a rendered script and submitting it, and describing
//! that for `--dry-run`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::{Launched, Scheduler, SubmittedJob};
use crate::batch::Script;

/// A job to submit: its script, where it goes, and what it runs.
pub struct Submission<'a> {
    pub scheduler: &'static dyn Scheduler,
    pub script: Script,
    pub path: PathBuf,
    pub env: &'a [(String, String)],
    /// `controller` or `engines`, for messages.
    pub role: &'a str,
    pub n: u32,
    pub output_file: PathBuf,
    /// The queue (partition) recorded in the cluster file, empty for the scheduler's default.
    pub queue: String,
}

impl Submission<'_> {
    /// Writes the script, then submits it; records both in `launched` as they happen.
    pub fn submit(self, launched: &mut Launched) -> Result<()> {
        let Submission {
            scheduler,
            script,
            path,
            env,
            role,
            n,
            output_file,
            queue,
        } = self;
        crate::fsutil::write_atomic(&path, script.text.as_bytes(), 0o700)?;
        launched.files.push(path.clone());
        if let Some(dir) = output_file.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create `{}`", dir.display()))?;
        }
        let job_id = scheduler.submit(&path, env).with_context(|| {
            format!(
                "cannot submit the {role} job (script `{}`, {})",
                path.display(),
                script.source
            )
        })?;
        launched.job = Some(SubmittedJob {
            scheduler,
            job_id,
            n,
            output_file,
            template: script.template,
            queue,
            script: path,
        });
        Ok(())
    }
}

/// `--dry-run`'s view of one batch job: where the template came from, the script, and the
/// submit command (after `env_text`, the `NAME=value` words it runs with).
pub fn describe(
    what: &str,
    script: &Script,
    path: &Path,
    env_text: &str,
    scheduler: &dyn Scheduler,
) -> String {
    let mut text = format!("# {what} from {}: {}\n", script.source, path.display());
    text.push_str(&script.text);
    if !script.text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&format!(
        "{env_text} {} {}\n",
        scheduler.submit_command(),
        crate::shell::quote(&path.to_string_lossy())
    ));
    text
}
