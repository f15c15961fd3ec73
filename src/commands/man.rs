//! `rcluster man`: one self-contained man page (roff) from the clap definition: the global
//! options, then every command with its synopsis and options, exit status and environment.
//!
//! `docs/rcluster.1` is the committed copy; `tests/completions.rs` keeps it current.

use std::io::Write;

use anyhow::Result;
use clap::CommandFactory;
use clap_mangen::Man;

use crate::cli::Cli;

/// The whole man page.
pub fn render() -> Vec<u8> {
    let command = Cli::command();
    let man = Man::new(command.clone());
    let mut page = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = man.render_title(&mut page);
    let _ = man.render_name_section(&mut page);
    let _ = man.render_synopsis_section(&mut page);
    let _ = man.render_description_section(&mut page);
    let mut options = Vec::new();
    let _ = man.render_options_section(&mut options);
    page.extend(strip_preamble(
        &options,
        &["OPTIONS"],
        ".SH \"GLOBAL OPTIONS\"",
    ));
    page.extend_from_slice(b".SH COMMANDS\n");
    for (path, sub) in leaf_commands(&command, "rcluster") {
        page.extend(command_section(&path, sub));
    }
    page.extend_from_slice(EXTRA_SECTIONS.as_bytes());
    let _ = man.render_version_section(&mut page);
    // Each rendered part starts with roff's quoting preamble; the page needs it once.
    let mut once = PREAMBLE.as_bytes().to_vec();
    once.extend(strip_preamble(&page, &[], ""));
    once
}

const PREAMBLE: &str = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";

/// Every command that runs something, with its full name: `rcluster start`,
/// `rcluster profile create`, ...
fn leaf_commands<'a>(command: &'a clap::Command, name: &str) -> Vec<(String, &'a clap::Command)> {
    let mut out = Vec::new();
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        let path = format!("{name} {}", sub.get_name());
        if sub.has_subcommands() {
            out.extend(leaf_commands(sub, &path));
        } else {
            out.push((path, sub));
        }
    }
    out
}

/// One command as a subsection: what it does, its synopsis and its own options.
fn command_section(path: &str, sub: &clap::Command) -> Vec<u8> {
    // Built on its own, the command has only its own arguments (the global ones are above).
    let man = Man::new(sub.clone().bin_name(path).disable_help_flag(true));
    let mut out = format!(".SS \"{path}\"\n").into_bytes();
    let mut part = Vec::new();
    let _ = man.render_description_section(&mut part);
    out.extend(strip_preamble(&part, &["DESCRIPTION"], ""));
    part.clear();
    let _ = man.render_synopsis_section(&mut part);
    out.extend_from_slice(b".PP\n");
    out.extend(strip_preamble(&part, &["SYNOPSIS"], ""));
    if sub.get_arguments().any(|a| !a.is_hide_set()) {
        part.clear();
        let _ = man.render_options_section(&mut part);
        out.extend(strip_preamble(&part, &["OPTIONS"], ""));
    }
    out
}

/// Drops the quoting preamble roff repeats in every rendered part, and turns the part's own
/// `.SH` heading into `heading` (nothing when empty).
fn strip_preamble(roff: &[u8], sections: &[&str], heading: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(roff);
    let mut out = String::new();
    for line in text.lines() {
        if line.starts_with(".ie \\n(.g") || line.starts_with(".el .ds Aq") {
            continue;
        }
        if let Some(name) = line.strip_prefix(".SH ")
            && sections.contains(&name.trim_matches('"'))
        {
            if !heading.is_empty() {
                out.push_str(heading);
                out.push('\n');
            }
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.into_bytes()
}

const EXTRA_SECTIONS: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
success
.TP
\fB1\fR
error (the message says what and what to do); for \fBdoctor\fR, a needed check failed
.TP
\fB2\fR
usage: a flag or value that does not make sense
.TP
\fB10\fR
the cluster is already running (as \fBipcluster start\fR)
.TP
\fB11\fR
no such cluster (as \fBipcluster stop\fR)
.TP
\fB128+N\fR
interrupted by signal N (a start rolled back what it had started)
.SH ENVIRONMENT
.TP
\fBIPYTHONDIR\fR
the IPython directory that holds the profiles (default: \fI~/.ipython\fR)
.TP
\fBRCLUSTER_PROFILE\fR
the profile to use when \fB\-\-profile\fR is not given
.TP
\fBRCLUSTER_COLOR\fR, \fBNO_COLOR\fR
when to use colours (as \fB\-\-color\fR); a non\-empty \fBNO_COLOR\fR turns them off
.TP
\fBVIRTUAL_ENV\fR, \fBCONDA_PREFIX\fR
the environment whose Python runs ipyparallel when \fI[python] executable\fR is not set
.SH FILES
.TP
\fI$IPYTHONDIR/profile_NAME/rcluster.toml\fR
the profile's settings
.TP
\fI$IPYTHONDIR/profile_NAME/security/cluster\-ID.json\fR
the cluster file, in ipyparallel's layout
.TP
\fI$IPYTHONDIR/profile_NAME/log/\fR
controller and engine logs (see \fBrcluster logs\fR)
"#;

pub fn run() -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(&render()).and_then(|()| stdout.flush()) {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => Err(err.into()),
        _ => Ok(()),
    }
}
