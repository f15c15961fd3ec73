//! ipcluster's default Slurm templates and the `#SBATCH` lines it adds to them
//! (`BatchSystemLauncher._insert_options_in_script`, `SlurmLauncher._insert_options_in_script`
//! and `_insert_job_array_in_script` in ipyparallel/cluster/launcher.py, 9.2.0).

/// `SlurmControllerLauncher.default_template`, verbatim.
pub const DEFAULT_CONTROLLER: &str = include_str!("../../templates/slurm-controller.sbatch");
/// `SlurmEngineSetLauncher.default_template`, verbatim.
pub const DEFAULT_ENGINE: &str = include_str!("../../templates/slurm-engine.sbatch");

/// The launcher settings that decide which `#SBATCH` lines are added. An empty string counts as
/// unset, as in ipcluster (`if self.queue and ...`).
pub struct SlurmOptions<'a> {
    /// `--partition={queue}`.
    pub queue: Option<&'a str>,
    /// `--account={account}`.
    pub account: Option<&'a str>,
    /// `--qos={qos}`.
    pub qos: Option<&'a str>,
    /// `--time={timelimit}`.
    pub timelimit: Option<&'a str>,
    /// `--output={output_file}` (ipcluster always has an output file).
    pub output_file: bool,
}

/// What ipcluster does to its default template only: inserts `#SBATCH` lines after line 1, in
/// ipcluster's order. The lines hold template fields (`{queue}`, `{output_file}`, `{account}`,
/// `{qos}`, `{timelimit}`, `{n}`) that [`super::render`] fills in afterwards.
///
/// The order comes from three passes that each insert right after the first line:
/// 1. `--partition={queue}` then `--output={output_file}`;
/// 2. `--account`, `--qos`, `--time` (so they end up above the first pass's lines);
/// 3. `--ntasks={n}`, unless ipcluster's `job_array_regexp` already matches (the controller
///    template has `--ntasks=1`).
///
/// Each line is skipped when ipcluster's regular expression for it already matches the template,
/// as ipcluster does. (A template without any newline makes ipcluster fail; here the lines are
/// appended after it.)
pub fn insert_default_options(template: &str, options: &SlurmOptions) -> String {
    let set = |v: Option<&str>| v.is_some_and(|s| !s.is_empty());
    let mut text = template.to_string();

    let mut inserts = Vec::new();
    if set(options.queue) && !has_option(&text, &["--partition", "-p"]) {
        inserts.push("#SBATCH --partition={queue}");
    }
    if options.output_file && !has_option(&text, &["--output"]) {
        inserts.push("#SBATCH --output={output_file}");
    }
    text = insert_after_first_line(&text, &inserts);

    let mut inserts = Vec::new();
    if set(options.account) && !has_option(&text, &["--account", "-A"]) {
        inserts.push("#SBATCH --account={account}");
    }
    if set(options.qos) && !has_option(&text, &["--qos"]) {
        inserts.push("#SBATCH --qos={qos}");
    }
    if set(options.timelimit) && !has_option(&text, &["--time", "-t"]) {
        inserts.push("#SBATCH --time={timelimit}");
    }
    text = insert_after_first_line(&text, &inserts);

    if !has_ntasks(&text) {
        text = insert_after_first_line(&text, &["#SBATCH --ntasks={n}"]);
    }
    text
}

/// `'\n'.join([firstline] + inserts + [rest])` after `split('\n', 1)`.
pub(super) fn insert_after_first_line(text: &str, inserts: &[&str]) -> String {
    if inserts.is_empty() {
        return text.to_string();
    }
    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
    let mut parts = vec![first];
    parts.extend_from_slice(inserts);
    parts.push(rest);
    parts.join("\n")
}

/// Python's `\w` (Unicode word characters).
fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Every position just after `prefix` (`#SBATCH`, `#$`) followed by `\W+` and one of `names`:
/// the rest of the text after the name.
pub(super) fn after_option<'t>(prefix: &str, text: &'t str, names: &[&str]) -> Vec<&'t str> {
    let mut found = Vec::new();
    for (i, _) in text.match_indices(prefix) {
        let after = text.get(i + prefix.len()..).unwrap_or("");
        // `\W+` may stop at any point of the run of non-word characters.
        for (k, c) in after.char_indices() {
            if is_word(c) {
                break;
            }
            let rest = after.get(k + c.len_utf8()..).unwrap_or("");
            // `rest` follows a `\W+` that ends with `c`: try the names there.
            for name in names {
                if let Some(tail) = rest.strip_prefix(name) {
                    found.push(tail);
                }
            }
        }
    }
    found
}

/// `\W+\$?\w+` at the start of `tail`: an option's value.
pub(super) fn has_value(tail: &str) -> bool {
    let mut chars = tail.chars();
    match chars.next() {
        Some(c) if !is_word(c) => chars.any(is_word),
        _ => false,
    }
}

/// `#SBATCH\W+(?:--a|-b)\W+\$?\w+` (`queue_regexp`, `account_regexp`, ...).
fn has_option(text: &str, names: &[&str]) -> bool {
    after_option("#SBATCH", text, names)
        .into_iter()
        .any(has_value)
}

/// `#SBATCH\W+(?:--ntasks|-n)[\w\d\-\$]+` (`job_array_regexp`).
fn has_ntasks(text: &str) -> bool {
    after_option("#SBATCH", text, &["--ntasks", "-n"])
        .into_iter()
        .any(|tail| {
            tail.chars()
                .next()
                .is_some_and(|c| is_word(c) || c == '-' || c == '$')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_with_everything_in_ipclusters_order() {
        let options = SlurmOptions {
            queue: Some("gpu"),
            account: Some("proj1"),
            qos: Some("high"),
            timelimit: Some("01:00:00"),
            output_file: true,
        };
        assert_eq!(
            insert_default_options(DEFAULT_ENGINE, &options),
            "#!/bin/sh\n#SBATCH --ntasks={n}\n#SBATCH --account={account}\n#SBATCH --qos={qos}\n\
             #SBATCH --time={timelimit}\n#SBATCH --partition={queue}\n#SBATCH --output={output_file}\n\
             #SBATCH --export=ALL\n#SBATCH --job-name=ipengine-{cluster_id}\nsrun {program_and_args}\n"
        );
    }

    #[test]
    fn controller_keeps_its_ntasks_and_empty_values_count_as_unset() {
        let options = SlurmOptions {
            queue: Some(""),
            account: None,
            qos: None,
            timelimit: None,
            output_file: true,
        };
        assert_eq!(
            insert_default_options(DEFAULT_CONTROLLER, &options),
            "#!/bin/sh\n#SBATCH --output={output_file}\n#SBATCH --export=ALL\n\
             #SBATCH --job-name=ipcontroller-{cluster_id}\n#SBATCH --ntasks=1\n{program_and_args}\n"
        );
    }

    #[test]
    fn regexes_behave_like_ipclusters() {
        assert!(has_ntasks("#SBATCH --ntasks=1"));
        assert!(has_ntasks("#SBATCH --nodes=2"));
        assert!(has_ntasks("#SBATCH --ntasks-per-node=2"));
        assert!(!has_ntasks("#SBATCH -n 4"));
        assert!(!has_ntasks("#SBATCH --export=ALL"));
        assert!(has_option(
            "#SBATCH --partition=gpu",
            &["--partition", "-p"]
        ));
        assert!(has_option("#SBATCH -p gpu", &["--partition", "-p"]));
        assert!(!has_option("#SBATCH --partition", &["--partition", "-p"]));
        assert!(has_option("#SBATCH --time=$T", &["--time", "-t"]));
    }
}
