//! ipcluster's default Grid Engine templates and the `#$` lines it adds to them
//! (`SGELauncher` and `BatchSystemLauncher._insert_options_in_script` /
//! `_insert_job_array_in_script` in ipyparallel/cluster/launcher.py, 9.2.0).

use super::slurm::{after_option, has_value, insert_after_first_line};

/// `SGEControllerLauncher.default_template`, verbatim.
pub const DEFAULT_CONTROLLER: &str = include_str!("../../templates/sge-controller.sh");
/// `SGEEngineSetLauncher.default_template`, verbatim.
pub const DEFAULT_ENGINE: &str = include_str!("../../templates/sge-engine.sh");

/// What ipcluster does to its default template only, in its order: `#$ -q {queue}` (when a
/// queue is set) and the output lines after line 1, then `#$ -t 1-{n}` (an array job of `n`
/// tasks; the controller is a one-task array) above them. Each is skipped when the template
/// already has it, by ipcluster's regular expressions (`#\$\W+-q\W+\$?\w+`, `#\$\W+\-t`).
///
/// One deliberate difference: ipcluster's SGE launchers inherit PBS's output lines
/// (`#PBS -j oe`, `#PBS -o {output_file}`), which Grid Engine ignores, so the job's output goes
/// to `~/ipengine.o<id>.<task>`. rcluster writes them as Grid Engine reads them (`#$ -j y`,
/// `#$ -o {output_file}`), so `rcluster logs` and start's error messages find the output.
pub fn insert_default_options(template: &str, queue: Option<&str>) -> String {
    let mut inserts = Vec::new();
    if queue.is_some_and(|q| !q.is_empty()) && !has_queue(template) {
        inserts.push("#$ -q {queue}");
    }
    if !has_output(template) {
        inserts.push("#$ -j y\n#$ -o {output_file}");
    }
    let text = insert_after_first_line(template, &inserts);
    if has_array(&text) {
        text
    } else {
        insert_after_first_line(&text, &["#$ -t 1-{n}"])
    }
}

/// `#\$\W+-q\W+\$?\w+` (`queue_regexp`).
fn has_queue(text: &str) -> bool {
    after_option("#$", text, &["-q"]).into_iter().any(has_value)
}

/// `#$ -o <path>`: the template already says where the output goes.
fn has_output(text: &str) -> bool {
    after_option("#$", text, &["-o"]).into_iter().any(has_value)
}

/// `#\$\W+\-t` (`job_array_regexp`).
fn has_array(text: &str) -> bool {
    !after_option("#$", text, &["-t"]).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_with_a_queue_in_ipclusters_order() {
        assert_eq!(
            insert_default_options(DEFAULT_ENGINE, Some("all.q")),
            "#$ -V\n#$ -t 1-{n}\n#$ -q {queue}\n#$ -j y\n#$ -o {output_file}\n#$ -S /bin/sh\n\
             #$ -N ipengine\n{program_and_args}\n"
        );
    }

    #[test]
    fn controller_is_a_one_task_array_and_an_empty_queue_is_unset() {
        assert_eq!(
            insert_default_options(DEFAULT_CONTROLLER, Some("")),
            "#$ -V\n#$ -t 1-{n}\n#$ -j y\n#$ -o {output_file}\n#$ -S /bin/sh\n\
             #$ -N ipcontroller\n{program_and_args}\n"
        );
    }

    #[test]
    fn lines_already_there_are_kept() {
        let template = "#$ -V\n#$ -t 1-8\n#$ -q long.q\n#$ -o /x/out\nrun\n";
        assert_eq!(insert_default_options(template, Some("all.q")), template);
        assert!(has_array("#$ -t 1-{n}"));
        assert!(!has_array("#$ -V\n#SBATCH -t 5"));
        assert!(has_queue("#$ -q $QUEUE"));
        assert!(!has_queue("#$ -q"));
    }
}
