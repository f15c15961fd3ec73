//! Which of rcluster's environment variables a Slurm allocation set, and so must not reach the
//! cluster's own jobs.
//!
//! A notebook that is itself a Slurm job has the variables Slurm sets for a job and its steps
//! (`SLURM_JOB_ID`, `SLURM_MEM_PER_NODE`, `SLURM_CPUS_PER_TASK`, `SLURM_NTASKS`, ...). With
//! `--export=ALL` they would reach the cluster's jobs and override what those jobs asked for:
//! an engine job with `--mem-per-cpu` then fails at its `srun` ("SLURM_MEM_PER_CPU,
//! SLURM_MEM_PER_GPU, and SLURM_MEM_PER_NODE are mutually exclusive"). rcluster runs Slurm's
//! commands as a login shell would, without them.
//!
//! The rule: only inside a job (`SLURM_JOB_ID` or `SLURM_JOBID` set), a variable is removed when
//! Slurm 22.05's sbatch, srun or salloc man page lists it under OUTPUT ENVIRONMENT VARIABLES,
//! or it belongs to a family Slurm sets for a job (below). Some of these names are also input
//! variables (`SLURM_CPUS_PER_TASK` of srun); inside a job Slurm has set them, so they go too.
//! Input-only variables (`SBATCH_ACCOUNT`, `SLURM_CONF`, `SLURM_MPI_TYPE`, ...) and everything
//! else (`PATH`, `VIRTUAL_ENV`, modules) stay. Outside a job nothing is removed: there, any
//! such variable was set on purpose.

use std::ffi::OsString;

/// Output variables of sbatch, srun and salloc (Slurm 22.05 man pages) that no prefix below
/// covers, and the undocumented `SLURM_WORKING_CLUSTER` and `SLURM_SCRIPT_CONTEXT` that slurmd
/// sets in every job.
const OUTPUT_NAMES: &[&str] = &[
    "SLURMD_NODENAME",
    "SLURM_CLUSTER_NAME",
    "SLURM_CONTAINER",
    "SLURM_CPU_FREQ_REQ",
    "SLURM_DISTRIBUTION",
    "SLURM_DIST_PLANESIZE",
    "SLURM_EXPORT_ENV",
    "SLURM_GTIDS",
    "SLURM_JOBID",
    "SLURM_LAUNCH_NODE_IPADDR",
    "SLURM_LOCALID",
    "SLURM_NNODES",
    "SLURM_NODEID",
    "SLURM_NODELIST",
    "SLURM_NODE_ALIASES",
    "SLURM_NPROCS",
    "SLURM_OVERCOMMIT",
    "SLURM_PRIO_PROCESS",
    "SLURM_PROCID",
    "SLURM_PROFILE",
    "SLURM_RESTART_COUNT",
    "SLURM_SCRIPT_CONTEXT",
    "SLURM_SHARDS_ON_NODE",
    "SLURM_SRUN_COMM_HOST",
    "SLURM_SRUN_COMM_PORT",
    "SLURM_STEPID",
    "SLURM_SUBMIT_DIR",
    "SLURM_SUBMIT_HOST",
    "SLURM_TASKS_PER_NODE",
    "SLURM_TASK_PID",
    "SLURM_THREADS_PER_CORE",
    "SLURM_UMASK",
    "SLURM_WORKING_CLUSTER",
    "SBATCH_THREADS_PER_CORE",
    "SRUN_DEBUG",
];

/// Families of output variables: the job's (`SLURM_JOB_ID`, `SLURM_JOB_USER`, ...), the step's,
/// an array's, its memory, CPUs, GPUs, tasks, binding and topology.
const OUTPUT_PREFIXES: &[&str] = &[
    "SLURM_JOB_",
    "SLURM_STEP_",
    "SLURM_ARRAY_",
    "SLURM_HET_",
    "SLURM_MEM_",
    "SLURM_CPUS_",
    "SLURM_CPU_BIND",
    "SLURM_GPUS",
    "SLURM_GPU_",
    "SLURM_NTASKS",
    "SLURM_TOPOLOGY_",
    "SBATCH_MEM_BIND",
];

/// A heterogeneous job's per-component copies (`SLURM_JOB_CPUS_PER_NODE_PACK_GROUP_0`).
const GROUP_MARKERS: &[&str] = &["_HET_GROUP_", "_PACK_GROUP_"];

/// Whether Slurm sets `name` for a job or step (see the module's rule).
pub fn is_output_variable(name: &str) -> bool {
    OUTPUT_NAMES.contains(&name)
        || OUTPUT_PREFIXES.iter().any(|p| name.starts_with(p))
        || (name.starts_with("SLURM_") && GROUP_MARKERS.iter().any(|m| name.contains(m)))
}

/// The names among `names` to remove before running a Slurm command, sorted: none unless
/// `names` shows a job (`SLURM_JOB_ID` or `SLURM_JOBID`).
pub fn inherited<I, S>(names: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let names: Vec<String> = names.into_iter().map(|n| n.as_ref().to_string()).collect();
    let in_job = names
        .iter()
        .any(|n| n == "SLURM_JOB_ID" || n == "SLURM_JOBID");
    if !in_job {
        return Vec::new();
    }
    let mut removed: Vec<String> = names
        .into_iter()
        .filter(|n| is_output_variable(n))
        .collect();
    removed.sort();
    removed.dedup();
    removed
}

/// [`inherited`] for this process's environment. Names only: values may be secret.
pub fn inherited_here() -> Vec<String> {
    inherited(
        std::env::vars_os()
            .map(|(name, _)| name)
            .filter_map(|name: OsString| name.into_string().ok()),
    )
}

/// The job rcluster runs in, if any (for messages).
pub fn outer_job_id() -> Option<String> {
    ["SLURM_JOB_ID", "SLURM_JOBID"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The variables a `sbatch --mem=1G --cpus-per-task=2` job and an `srun` step in it had on
    /// the Slurm 22.05 lab, plus what the user set. Every Slurm-set one must go.
    const LAB_JOB_AND_STEP: &[&str] = &[
        "SLURMD_NODENAME",
        "SLURM_CLUSTER_NAME",
        "SLURM_CPUS_ON_NODE",
        "SLURM_CPUS_PER_TASK",
        "SLURM_GTIDS",
        "SLURM_JOBID",
        "SLURM_JOB_CPUS_PER_NODE",
        "SLURM_JOB_GID",
        "SLURM_JOB_ID",
        "SLURM_JOB_NAME",
        "SLURM_JOB_NODELIST",
        "SLURM_JOB_NUM_NODES",
        "SLURM_JOB_PARTITION",
        "SLURM_JOB_UID",
        "SLURM_JOB_USER",
        "SLURM_LOCALID",
        "SLURM_MEM_PER_NODE",
        "SLURM_NNODES",
        "SLURM_NODEID",
        "SLURM_NODELIST",
        "SLURM_NODE_ALIASES",
        "SLURM_PRIO_PROCESS",
        "SLURM_PROCID",
        "SLURM_SUBMIT_DIR",
        "SLURM_SUBMIT_HOST",
        "SLURM_TASKS_PER_NODE",
        "SLURM_TASK_PID",
        "SLURM_TOPOLOGY_ADDR",
        "SLURM_TOPOLOGY_ADDR_PATTERN",
        "SLURM_WORKING_CLUSTER",
        // the step's
        "SLURM_DISTRIBUTION",
        "SLURM_JOB_CPUS_PER_NODE_PACK_GROUP_0",
        "SLURM_LAUNCH_NODE_IPADDR",
        "SLURM_NPROCS",
        "SLURM_NTASKS",
        "SLURM_SRUN_COMM_HOST",
        "SLURM_SRUN_COMM_PORT",
        "SLURM_STEPID",
        "SLURM_STEP_ID",
        "SLURM_STEP_LAUNCHER_PORT",
        "SLURM_STEP_NODELIST",
        "SLURM_STEP_NUM_NODES",
        "SLURM_STEP_NUM_TASKS",
        "SLURM_STEP_TASKS_PER_NODE",
        "SLURM_UMASK",
    ];

    /// Input variables (sbatch's and srun's INPUT ENVIRONMENT VARIABLES that Slurm does not
    /// set for a job) and the user's own environment.
    const KEPT: &[&str] = &[
        "SLURM_CONF",
        "SBATCH_ACCOUNT",
        "SBATCH_PARTITION",
        "SBATCH_TIMELIMIT",
        "SBATCH_EXPORT",
        "SBATCH_MEM_PER_CPU",
        "SLURM_ACCOUNT",
        "SLURM_MPI_TYPE",
        "SLURM_TIME_FORMAT",
        "SLURM_DEBUG",
        "SLURM_CLUSTERS",
        "SLURM_EXIT_ERROR",
        "SQUEUE_FORMAT",
        "PATH",
        "VIRTUAL_ENV",
        "LOADEDMODULES",
        "IPYTHONDIR",
    ];

    #[test]
    fn inside_a_job_every_slurm_set_variable_goes_and_inputs_stay() {
        let all = LAB_JOB_AND_STEP.iter().chain(KEPT);
        let removed = inherited(all);
        let mut expected: Vec<String> = LAB_JOB_AND_STEP.iter().map(|s| s.to_string()).collect();
        expected.sort();
        assert_eq!(removed, expected);
    }

    #[test]
    fn outside_a_job_nothing_goes() {
        // A login shell where the user set SLURM_MEM_PER_CPU for srun on purpose.
        let names = [
            "SLURM_MEM_PER_CPU",
            "SLURM_CPUS_PER_TASK",
            "SLURM_CONF",
            "PATH",
        ];
        assert_eq!(inherited(names), Vec::<String>::new());
    }

    #[test]
    fn the_old_job_id_name_alone_means_a_job() {
        assert_eq!(
            inherited(["SLURM_JOBID", "SLURM_MEM_PER_NODE", "PATH"]),
            vec!["SLURM_JOBID".to_string(), "SLURM_MEM_PER_NODE".to_string()]
        );
    }

    #[test]
    fn documented_output_variables_are_covered() {
        // A sample across the 22.05 man pages' OUTPUT ENVIRONMENT VARIABLES sections.
        for name in [
            "SLURM_ARRAY_TASK_ID",
            "SLURM_MEM_PER_CPU",
            "SLURM_MEM_PER_GPU",
            "SLURM_MEM_BIND_TYPE",
            "SLURM_CPUS_PER_GPU",
            "SLURM_CPU_BIND_LIST",
            "SLURM_GPUS_PER_TASK",
            "SLURM_GPU_BIND",
            "SLURM_NTASKS_PER_NODE",
            "SLURM_HET_SIZE",
            "SLURM_JOB_GPUS",
            "SLURM_STEP_GPUS",
            "SLURM_EXPORT_ENV",
            "SLURM_RESTART_COUNT",
            "SBATCH_MEM_BIND_VERBOSE",
            "SBATCH_THREADS_PER_CORE",
            "SLURM_NTASKS_HET_GROUP_1",
        ] {
            assert!(is_output_variable(name), "{name}");
        }
        for name in KEPT {
            assert!(!is_output_variable(name), "{name}");
        }
    }
}
