//! PLACEHOLDER (see mod.rs): ipcluster's default Slurm templates and insertion rules.

pub const DEFAULT_CONTROLLER: &str = "#!/bin/sh\n#SBATCH --export=ALL\n#SBATCH --job-name=ipcontroller-{cluster_id}\n#SBATCH --ntasks=1\n{program_and_args}\n";
pub const DEFAULT_ENGINE: &str = "#!/bin/sh\n#SBATCH --export=ALL\n#SBATCH --job-name=ipengine-{cluster_id}\nsrun {program_and_args}\n";

pub struct SlurmOptions<'a> {
    pub queue: Option<&'a str>,
    pub account: Option<&'a str>,
    pub qos: Option<&'a str>,
    pub timelimit: Option<&'a str>,
    pub output_file: bool,
}

pub fn insert_default_options(template: &str, options: &SlurmOptions) -> String {
    let mut lines: Vec<String> = template.lines().map(String::from).collect();
    let mut insert = Vec::new();
    if !template.contains("--ntasks") {
        insert.push("#SBATCH --ntasks={n}".to_string());
    }
    if options.account.is_some() {
        insert.push("#SBATCH --account={account}".into());
    }
    if options.qos.is_some() {
        insert.push("#SBATCH --qos={qos}".into());
    }
    if options.timelimit.is_some() {
        insert.push("#SBATCH --time={timelimit}".into());
    }
    if options.queue.is_some() {
        insert.push("#SBATCH --partition={queue}".into());
    }
    if options.output_file {
        insert.push("#SBATCH --output={output_file}".into());
    }
    for (i, l) in insert.into_iter().enumerate() {
        lines.insert(1 + i, l);
    }
    lines.join("\n") + "\n"
}
