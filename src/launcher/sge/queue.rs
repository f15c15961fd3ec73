//! Grid Engine (Son of Grid Engine, Altair/Univa Grid Engine) as a [`Scheduler`]: `qsub -terse`
//! to submit, one `qstat -xml` (and `qstat -j` for why jobs wait) to learn job states, `qacct`
//! for how a job that left the queue ended, `qdel` to end jobs.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use anyhow::Result;

use super::super::command::{Commands, timeout_from_env};
use super::super::scheduler::poll_until_ended;
use super::super::{JobInfo, JobStates, Phase, Scheduler};
use crate::error::Failure;

/// The scheduler behind the `sge` launchers.
#[derive(Debug)]
pub struct Sge;

/// How Grid Engine's commands are run: `RCLUSTER_SGE_TIMEOUT` seconds (default 30) before a
/// command counts as hung.
fn commands() -> Commands<'static> {
    Commands {
        scheduler: "Grid Engine",
        env_removed: Vec::new(),
        timeout: timeout_from_env("RCLUSTER_SGE_TIMEOUT", Duration::from_secs(30)),
        abandon_on_signal: &["qstat", "qacct"],
        missing_hint: "is Grid Engine installed and on PATH here? rcluster submits from a submit host with Grid Engine's commands (qsub, qstat, qdel)",
    }
}

fn run(program: &str, args: &[&str], env: &[(String, String)]) -> Result<String> {
    commands().run(program, args, env)
}

impl Scheduler for Sge {
    fn name(&self) -> &'static str {
        "sge"
    }

    fn display_name(&self) -> &'static str {
        "Grid Engine"
    }

    fn submit_command(&self) -> &'static str {
        "qsub -terse"
    }

    fn submit(&self, script: &Path, env: &[(String, String)]) -> Result<String> {
        let script_arg = script.to_string_lossy();
        let stdout = run("qsub", &["-terse", &script_arg], env)?;
        parse_job_id(&stdout).ok_or_else(|| {
            Failure::error(format!(
                "cannot find a job id in what `qsub -terse {script_arg}` printed:\n{}",
                stdout.trim_end()
            ))
            .hint("rcluster expects `<id>` or, for an array job, `<id>.<tasks>` on a line")
            .into()
        })
    }

    fn query(&self, job_ids: &[String]) -> Result<JobStates> {
        query(job_ids)
    }

    fn cancel(&self, job_ids: &[String]) -> Result<()> {
        cancel(job_ids)
    }

    /// `qdel` kills a job's processes (SIGKILL; with `qsub -notify`, SIGUSR2 first), and Grid
    /// Engine has no command that sends a job another signal, so there is no grace to give:
    /// engines end without unregistering, which does not matter when the controller ends too.
    fn end_gracefully(&self, active: &[String], _: &[String], _: Duration) -> Result<()> {
        cancel(active)
    }

    fn why_ended_hint(&self, job_id: &str) -> String {
        format!(
            "`qstat -j {job_id}` (while Grid Engine holds the job), `qacct -j {job_id}` (once it ended) or the job's output file tells why"
        )
    }

    fn queue_command(&self) -> &'static str {
        "qstat"
    }

    /// Asks `qstat` alone: how the jobs ended does not matter here, and `qacct` reads the whole
    /// accounting file, which takes long on a busy site.
    fn wait_ended(&self, job_ids: &[String], timeout: Duration) -> Result<Vec<String>> {
        poll_until_ended(job_ids, timeout, queued)
    }
}

/// The job id in `qsub -terse`'s output: the last line that is `<id>` or `<id>.<tasks>` (an
/// array job: `4.1-8:1`). Banner lines a site prints around it are ignored.
pub fn parse_job_id(stdout: &str) -> Option<String> {
    stdout.lines().rev().map(str::trim).find_map(|line| {
        let id = line.split('.').next()?;
        (!id.is_empty() && id.chars().all(|c| c.is_ascii_digit())).then(|| id.to_string())
    })
}

/// One `<job_list>` of `qstat -xml`: a job, or one task of an array job.
#[derive(Debug, PartialEq, Eq)]
struct Listed {
    id: String,
    state: String,
    queue: String,
}

/// The text of `<tag>...</tag>` inside `block`, with XML's five entities decoded.
fn element(block: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let start = block.find(&open)? + open.len();
    let end = start + block[start..].find(&format!("</{tag}>"))?;
    Some(
        block[start..end]
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
    )
}

/// The `<job_list>` entries of `qstat -xml` (running ones under `<queue_info>`, pending ones
/// under `<job_info>`; the format is flat, so a scan for the elements is enough).
fn parse_qstat_xml(xml: &str) -> Vec<Listed> {
    xml.split("<job_list")
        .skip(1)
        .filter_map(|block| {
            let block = block.split("</job_list>").next()?;
            Some(Listed {
                id: element(block, "JB_job_number")?.trim().to_string(),
                state: element(block, "state")?.trim().to_string(),
                queue: element(block, "queue_name").unwrap_or_default(),
            })
        })
        .collect()
}

/// Grid Engine's state letters (`qw`, `hqw`, `r`, `t`, `dr`, `Eqw`, `s`, ...) as a [`Phase`].
fn phase(state: &str) -> Phase {
    if state.contains('E') {
        Phase::Failed
    } else if state.contains('d') {
        // Being deleted: still holds its slots until its processes are gone.
        Phase::Active
    } else if state.contains('r') && !state.contains(['s', 'S', 'T']) {
        Phase::Running
    } else if state.contains("qw") {
        Phase::Pending
    } else {
        Phase::Active
    }
}

/// The state of a job from its listed tasks: the most advanced task decides (a running task
/// makes the job running; an error state makes it failed).
fn job_info(tasks: &[&Listed]) -> JobInfo {
    let rank = |p: Phase| match p {
        Phase::Failed => 4,
        Phase::Running => 3,
        Phase::Active => 2,
        Phase::Pending => 1,
        Phase::Ended => 0,
    };
    let lead = tasks
        .iter()
        .max_by_key(|t| rank(phase(&t.state)))
        .map_or("", |t| t.state.as_str());
    let mut hosts: Vec<&str> = tasks
        .iter()
        .filter(|t| phase(&t.state) == Phase::Running)
        .filter_map(|t| t.queue.split_once('@').map(|(_, host)| host))
        .collect();
    hosts.sort_unstable();
    hosts.dedup();
    JobInfo {
        state: lead.to_string(),
        phase: phase(lead),
        reason: String::new(),
        nodes: hosts.join(","),
        time_left: String::new(),
        time_used: None,
    }
}

/// The states of `job_ids`: one `qstat -xml` for all of them, one `qstat -j` for why the
/// pending or failed ones wait, and `qacct -j` for each that left the queue.
fn query(job_ids: &[String]) -> Result<JobStates> {
    let mut found = queued(job_ids)?;
    for id in job_ids {
        if !found.contains_key(id) {
            found.insert(id.clone(), ended(id));
        }
    }
    Ok(found)
}

/// The states of those of `job_ids` still in the queue.
fn queued(job_ids: &[String]) -> Result<JobStates> {
    let mut found = HashMap::new();
    if job_ids.is_empty() {
        return Ok(found);
    }
    let listed = parse_qstat_xml(&run("qstat", &["-xml"], &[])?);
    for id in job_ids {
        let tasks: Vec<&Listed> = listed.iter().filter(|l| &l.id == id).collect();
        if !tasks.is_empty() {
            found.insert(id.clone(), job_info(&tasks));
        }
    }
    let waiting: Vec<String> = found
        .iter()
        .filter(|(_, info)| matches!(info.phase, Phase::Pending | Phase::Failed))
        .map(|(id, _)| id.clone())
        .collect();
    if !waiting.is_empty() {
        // A job may leave the queue between the two calls: then there is no reason to show.
        if let Ok(text) = run("qstat", &["-j", &waiting.join(",")], &[]) {
            for (id, reason) in parse_reasons(&text) {
                if let Some(info) = found.get_mut(&id) {
                    info.reason = reason;
                }
            }
        }
    }
    Ok(found)
}

/// Why each job of `qstat -j` waits: its `error reason` lines if it is in an error state,
/// else its `scheduling info` (which needs `schedd_job_info` in the scheduler configuration).
fn parse_reasons(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for section in text.split("\n==").filter(|s| s.contains("job_number:")) {
        let mut id = String::new();
        let mut errors = Vec::new();
        let mut info = Vec::new();
        let mut in_info = false;
        for line in section.lines() {
            if let Some(rest) = line.strip_prefix("job_number:") {
                id = rest.trim().to_string();
                in_info = false;
            } else if line.starts_with("error reason") {
                // `error reason    1:      <date> [<uid>:<pid>]: error: ...`
                let said = line.split_once("]:").map_or(line, |(_, said)| said);
                errors.push(said.trim().to_string());
                in_info = false;
            } else if let Some(rest) = line.strip_prefix("scheduling info:") {
                info.push(rest.trim().to_string());
                in_info = true;
            } else if in_info && line.starts_with(char::is_whitespace) {
                info.push(line.trim().to_string());
            } else {
                in_info = false;
            }
        }
        info.retain(|l| !l.is_empty() && l != "There are no messages available");
        // Each task of an array job repeats its error.
        errors.dedup();
        let reason = if errors.is_empty() { info } else { errors };
        if !id.is_empty() {
            out.push((id, reason.join("; ")));
        }
    }
    out
}

/// A job no longer in the queue: how it ended by `qacct -j` (`DONE`, `FAILED`), or `GONE`
/// when accounting has no record (a pending job that was deleted, accounting not written yet).
fn ended(id: &str) -> JobInfo {
    let qacct = Commands {
        timeout: timeout_from_env("RCLUSTER_SGE_QACCT_TIMEOUT", Duration::from_secs(10)),
        ..commands()
    };
    let state = qacct
        .run("qacct", &["-j", id], &[])
        .ok()
        .and_then(|text| accounted_state(&text))
        .unwrap_or_else(|| "GONE".to_string());
    JobInfo {
        state,
        phase: Phase::Ended,
        reason: String::new(),
        nodes: String::new(),
        time_left: String::new(),
        time_used: None,
    }
}

/// `DONE`, or `FAILED (...)` with the first task's non-zero `failed` or `exit_status`, from
/// `qacct -j` (one record per task).
fn accounted_state(text: &str) -> Option<String> {
    let mut records = 0;
    let mut worst: Option<String> = None;
    for line in text.lines() {
        let mut words = line.split_whitespace();
        let (Some(key), Some(value)) = (words.next(), words.next()) else {
            continue;
        };
        match key {
            "jobnumber" => records += 1,
            "failed" if value != "0" && worst.is_none() => {
                let rest: Vec<&str> = words.collect();
                worst = Some(
                    format!("failed {value} {}", rest.join(" "))
                        .trim()
                        .to_string(),
                );
            }
            "exit_status" if value != "0" && worst.is_none() => {
                worst = Some(format!("exit status {value}"));
            }
            _ => {}
        }
    }
    match (records, worst) {
        (0, _) => None,
        (_, Some(why)) => Some(format!("FAILED ({why})")),
        (_, None) => Some("DONE".to_string()),
    }
}

/// `qdel` for all jobs in one call. A job that ended meanwhile is not an error: it is gone,
/// which is what was asked.
fn cancel(job_ids: &[String]) -> Result<()> {
    if job_ids.is_empty() {
        return Ok(());
    }
    let args: Vec<&str> = job_ids.iter().map(String::as_str).collect();
    match run("qdel", &args, &[]) {
        Ok(_) => Ok(()),
        Err(err) => {
            let still: Vec<String> = query(job_ids)?
                .into_iter()
                .filter(|(_, info)| info.is_active())
                .map(|(id, _)| id)
                .collect();
            if still.is_empty() { Ok(()) } else { Err(err) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_terse_output() {
        assert_eq!(parse_job_id("3\n").as_deref(), Some("3"));
        assert_eq!(parse_job_id("4.1-8:1\n").as_deref(), Some("4"));
        assert_eq!(
            parse_job_id("Your account has 3 hours left.\n17\n").as_deref(),
            Some("17")
        );
        assert_eq!(parse_job_id("Unable to run job: no queue\n"), None);
        assert_eq!(parse_job_id(""), None);
    }

    const XML: &str = r#"<?xml version='1.0'?>
<job_info  xmlns:xsd="http://arc.liv.ac.uk/repos/darcs/sge/source/dist/util/resources/schemas/qstat/qstat.xsd">
  <queue_info>
    <job_list state="running">
      <JB_job_number>4</JB_job_number>
      <JB_name>ipengine</JB_name>
      <state>r</state>
      <queue_name>all.q@node2</queue_name>
      <tasks>1</tasks>
    </job_list>
    <job_list state="running">
      <JB_job_number>4</JB_job_number>
      <JB_name>a&amp;b</JB_name>
      <state>r</state>
      <queue_name>all.q@node1</queue_name>
      <tasks>2</tasks>
    </job_list>
  </queue_info>
  <job_info>
    <job_list state="pending">
      <JB_job_number>4</JB_job_number>
      <state>qw</state>
      <queue_name></queue_name>
      <tasks>3-8:1</tasks>
    </job_list>
    <job_list state="pending">
      <JB_job_number>5</JB_job_number>
      <state>Eqw</state>
      <queue_name></queue_name>
    </job_list>
    <job_list state="pending">
      <JB_job_number>6</JB_job_number>
      <state>hqw</state>
    </job_list>
  </job_info>
</job_info>"#;

    #[test]
    fn an_array_job_is_running_when_a_task_runs() {
        let listed = parse_qstat_xml(XML);
        assert_eq!(listed.len(), 5);
        let of = |id: &str| {
            let tasks: Vec<&Listed> = listed.iter().filter(|l| l.id == id).collect();
            job_info(&tasks)
        };
        let four = of("4");
        assert_eq!(four.phase, Phase::Running);
        assert_eq!(four.describe(), "r on node1,node2");
        assert_eq!(of("5").phase, Phase::Failed);
        assert!(of("5").is_active());
        assert_eq!(of("6").phase, Phase::Pending);
    }

    #[test]
    fn state_letters() {
        assert_eq!(phase("qw"), Phase::Pending);
        assert_eq!(phase("hqw"), Phase::Pending);
        assert_eq!(phase("r"), Phase::Running);
        assert_eq!(phase("Rr"), Phase::Running);
        assert_eq!(phase("t"), Phase::Active);
        assert_eq!(phase("dr"), Phase::Active);
        assert_eq!(phase("s"), Phase::Active);
        assert_eq!(phase("Eqw"), Phase::Failed);
    }

    #[test]
    fn reasons_from_qstat_j() {
        let text = "==============================================================\n\
job_number:                 5\n\
exec_file:                  job_scripts/5\n\
error reason          1:      12/02/2026 06:24:18 [0:673]: error: can't open output file \"/x/out\": No such file or directory\n\
scheduling info:            Job is in error state\n\
==============================================================\n\
job_number:                 6\n\
scheduling info:            queue instance \"all.q@vm\" dropped because it is temporarily not available\n\
\x20                           All queues dropped because of overload or full\n\
==============================================================\n\
job_number:                 7\n\
scheduling info:            There are no messages available\n";
        assert_eq!(
            parse_reasons(text),
            [
                (
                    "5".to_string(),
                    "error: can't open output file \"/x/out\": No such file or directory"
                        .to_string()
                ),
                (
                    "6".to_string(),
                    "queue instance \"all.q@vm\" dropped because it is temporarily not available; All queues dropped because of overload or full"
                        .to_string()
                ),
                ("7".to_string(), String::new()),
            ]
        );
    }

    #[test]
    fn accounting() {
        let record = |failed: &str, exit: &str| {
            format!(
                "==============================================================\nqname        all.q\njobnumber    3\ntaskid       1\nfailed       {failed}\nexit_status  {exit}\n"
            )
        };
        assert_eq!(accounted_state(&record("0", "0")).as_deref(), Some("DONE"));
        let two = format!("{}{}", record("0", "0"), record("0", "1"));
        assert_eq!(
            accounted_state(&two).as_deref(),
            Some("FAILED (exit status 1)")
        );
        assert_eq!(
            accounted_state(&record("100 : assumedly after job", "137")).as_deref(),
            Some("FAILED (failed 100 : assumedly after job)")
        );
        assert_eq!(accounted_state("error: job id 9 not found\n"), None);
    }
}
