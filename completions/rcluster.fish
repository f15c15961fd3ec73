# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_rcluster_global_optspecs
    string join \n profile= profile-dir= q/quiet v/verbose color= h/help V/version
end

function __fish_rcluster_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_rcluster_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_rcluster_using_subcommand
    set -l cmd (__fish_rcluster_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c rcluster -n "__fish_rcluster_needs_command" -l profile -d 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`' -r
complete -c rcluster -n "__fish_rcluster_needs_command" -l profile-dir -d 'Profile directory to use instead of a named profile' -r -F
complete -c rcluster -n "__fish_rcluster_needs_command" -l color -d 'When to use colors' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rcluster -n "__fish_rcluster_needs_command" -s q -l quiet -d 'Print less: only results and errors'
complete -c rcluster -n "__fish_rcluster_needs_command" -s v -l verbose -d 'Print more about what is done (repeat for more)'
complete -c rcluster -n "__fish_rcluster_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rcluster -n "__fish_rcluster_needs_command" -s V -l version -d 'Print version'
complete -c rcluster -n "__fish_rcluster_needs_command" -f -a "start" -d 'Start a controller and engines'
complete -c rcluster -n "__fish_rcluster_needs_command" -f -a "stop" -d 'Stop clusters: engines and controller, their jobs and files'
complete -c rcluster -n "__fish_rcluster_needs_command" -f -a "list" -d 'List clusters in every profile, with their real state'
complete -c rcluster -n "__fish_rcluster_needs_command" -f -a "status" -d 'Show one cluster in detail: processes, jobs, engines, logs, how to attach'
complete -c rcluster -n "__fish_rcluster_needs_command" -f -a "engines" -d 'Add, list and stop the engine sets of a running cluster'
complete -c rcluster -n "__fish_rcluster_needs_command" -f -a "render" -d 'Render a batch template as `rcluster start` would, and print it'
complete -c rcluster -n "__fish_rcluster_needs_command" -f -a "clean" -d 'Remove the files of clusters that are provably dead'
complete -c rcluster -n "__fish_rcluster_needs_command" -f -a "logs" -d 'Print a cluster\'s log files; `-f` follows them until the cluster ends'
complete -c rcluster -n "__fish_rcluster_needs_command" -f -a "doctor" -d 'Check what a profile\'s clusters need (Python, ipyparallel, MPI, Slurm, files), with fixes'
complete -c rcluster -n "__fish_rcluster_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c rcluster -n "__fish_rcluster_needs_command" -f -a "man" -d 'Print the man page (roff), e.g. `rcluster man > ~/.local/share/man/man1/rcluster.1`'
complete -c rcluster -n "__fish_rcluster_needs_command" -f -a "profile" -d 'Create, list and show profiles'
complete -c rcluster -n "__fish_rcluster_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rcluster -n "__fish_rcluster_using_subcommand start" -s n -l n -d 'Number of engines to start (default: `[engines] n` of the profile, else the number of CPUs)' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand start" -l cluster-id -d 'Cluster id (default: `<unix-seconds>-<4 random chars>`, as `ipp.Cluster` makes it); `--cluster-id \'\'` is the empty id of plain `ipcluster start`' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand start" -l controller -d 'How to start the controller (overrides `[controller] launcher`)' -r -f -a "local\t'A process on this machine'
mpi\t'`mpiexec -n 1` on this machine'
slurm\t'A Slurm batch job'
sge\t'A Grid Engine batch job (`qsub`)'"
complete -c rcluster -n "__fish_rcluster_using_subcommand start" -l engines -d 'How to start the engines (overrides `[engines] launcher`)' -r -f -a "local\t'One process per engine on this machine'
mpi\t'`mpiexec -n N` on this machine; engine ids are MPI ranks'
slurm\t'A Slurm batch job running `srun` (one engine per task)'
slurm-mpi\t'A Slurm batch job running one MPI program over the allocation; engine ids are MPI ranks'
sge\t'A Grid Engine array job (`qsub -t 1-N`), one engine per task'
ssh\t'Processes on the `[ssh] hosts`, started over ssh'"
complete -c rcluster -n "__fish_rcluster_using_subcommand start" -l engine-start -d 'Exec a new Python per engine, or fork the engines from one (overrides `[engines] start`)' -r -f -a "auto\t'Fork where the engine launcher can, exec elsewhere (the default)'
exec\t'Each engine is a new Python, as ipcluster starts it'
fork\t'One Python imports the engine once and forks every engine; says so where a launcher cannot'"
complete -c rcluster -n "__fish_rcluster_using_subcommand start" -l timeout -d 'Seconds to wait for the controller and for all engines to register' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand start" -l engines-per-job -d 'Split the engines into Slurm jobs of at most K engines each (overrides `[engines] per_job`)' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand start" -l partition -d 'Slurm partition (`#SBATCH --partition`; template variable `queue`)' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand start" -l account -d 'Slurm account to charge (`#SBATCH --account`)' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand start" -l qos -d 'Slurm quality of service (`#SBATCH --qos`)' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand start" -l time -d 'Time limit of each job, in any form `sbatch --time` takes (`#SBATCH --time`)' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand start" -l directive -d 'An extra `#SBATCH` line, e.g. `--directive=--mem=4G` (repeatable)' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand start" -l var -d 'Set a template variable (repeatable); overrides `[vars]` and the built-in variables' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand start" -l profile -d 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand start" -l profile-dir -d 'Profile directory to use instead of a named profile' -r -F
complete -c rcluster -n "__fish_rcluster_using_subcommand start" -l color -d 'When to use colors' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rcluster -n "__fish_rcluster_using_subcommand start" -l no-wait -d 'Return as soon as everything is launched, without waiting for engines to register'
complete -c rcluster -n "__fish_rcluster_using_subcommand start" -l dry-run -d 'Print every script and command start would run, and run nothing'
complete -c rcluster -n "__fish_rcluster_using_subcommand start" -s q -l quiet -d 'Print less: only results and errors'
complete -c rcluster -n "__fish_rcluster_using_subcommand start" -s v -l verbose -d 'Print more about what is done (repeat for more)'
complete -c rcluster -n "__fish_rcluster_using_subcommand start" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rcluster -n "__fish_rcluster_using_subcommand start" -s V -l version -d 'Print version'
complete -c rcluster -n "__fish_rcluster_using_subcommand stop" -l cluster-id -d 'Cluster id to stop (same as the positional argument; `--cluster-id \'\'` names the empty id)' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand stop" -l grace -d 'Seconds between SIGTERM and SIGKILL' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand stop" -l profile -d 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand stop" -l profile-dir -d 'Profile directory to use instead of a named profile' -r -F
complete -c rcluster -n "__fish_rcluster_using_subcommand stop" -l color -d 'When to use colors' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rcluster -n "__fish_rcluster_using_subcommand stop" -l all -d 'Stop every cluster of the profile'
complete -c rcluster -n "__fish_rcluster_using_subcommand stop" -l keep-logs -d 'Keep the clusters\' log files'
complete -c rcluster -n "__fish_rcluster_using_subcommand stop" -s q -l quiet -d 'Print less: only results and errors'
complete -c rcluster -n "__fish_rcluster_using_subcommand stop" -s v -l verbose -d 'Print more about what is done (repeat for more)'
complete -c rcluster -n "__fish_rcluster_using_subcommand stop" -s h -l help -d 'Print help'
complete -c rcluster -n "__fish_rcluster_using_subcommand stop" -s V -l version -d 'Print version'
complete -c rcluster -n "__fish_rcluster_using_subcommand list" -l profile -d 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand list" -l profile-dir -d 'Profile directory to use instead of a named profile' -r -F
complete -c rcluster -n "__fish_rcluster_using_subcommand list" -l color -d 'When to use colors' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rcluster -n "__fish_rcluster_using_subcommand list" -l json -d 'Print JSON instead of a table'
complete -c rcluster -n "__fish_rcluster_using_subcommand list" -s q -l quiet -d 'Print less: only results and errors'
complete -c rcluster -n "__fish_rcluster_using_subcommand list" -s v -l verbose -d 'Print more about what is done (repeat for more)'
complete -c rcluster -n "__fish_rcluster_using_subcommand list" -s h -l help -d 'Print help'
complete -c rcluster -n "__fish_rcluster_using_subcommand list" -s V -l version -d 'Print version'
complete -c rcluster -n "__fish_rcluster_using_subcommand status" -l profile -d 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand status" -l profile-dir -d 'Profile directory to use instead of a named profile' -r -F
complete -c rcluster -n "__fish_rcluster_using_subcommand status" -l color -d 'When to use colors' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rcluster -n "__fish_rcluster_using_subcommand status" -l json -d 'Print JSON instead of text'
complete -c rcluster -n "__fish_rcluster_using_subcommand status" -s q -l quiet -d 'Print less: only results and errors'
complete -c rcluster -n "__fish_rcluster_using_subcommand status" -s v -l verbose -d 'Print more about what is done (repeat for more)'
complete -c rcluster -n "__fish_rcluster_using_subcommand status" -s h -l help -d 'Print help'
complete -c rcluster -n "__fish_rcluster_using_subcommand status" -s V -l version -d 'Print version'
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and not __fish_seen_subcommand_from add list stop help" -l profile -d 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and not __fish_seen_subcommand_from add list stop help" -l profile-dir -d 'Profile directory to use instead of a named profile' -r -F
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and not __fish_seen_subcommand_from add list stop help" -l color -d 'When to use colors' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and not __fish_seen_subcommand_from add list stop help" -s q -l quiet -d 'Print less: only results and errors'
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and not __fish_seen_subcommand_from add list stop help" -s v -l verbose -d 'Print more about what is done (repeat for more)'
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and not __fish_seen_subcommand_from add list stop help" -s h -l help -d 'Print help'
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and not __fish_seen_subcommand_from add list stop help" -s V -l version -d 'Print version'
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and not __fish_seen_subcommand_from add list stop help" -f -a "add" -d 'Start a further engine set and attach it to a running cluster'
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and not __fish_seen_subcommand_from add list stop help" -f -a "list" -d 'List a cluster\'s engine sets: id, launcher, engines, processes or job, state'
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and not __fish_seen_subcommand_from add list stop help" -f -a "stop" -d 'Stop engine sets (their processes or their job); the controller and other sets keep running'
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and not __fish_seen_subcommand_from add list stop help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from add" -s n -l n -d 'Number of engines to add (default: `[engines] n` of the profile)' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from add" -l cluster-id -d 'The cluster (default: the profile\'s only cluster)' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from add" -l engines -d 'How to start the engines (default: the cluster\'s engine launcher)' -r -f -a "local\t'One process per engine on this machine'
mpi\t'`mpiexec -n N` on this machine; engine ids are MPI ranks'
slurm\t'A Slurm batch job running `srun` (one engine per task)'
slurm-mpi\t'A Slurm batch job running one MPI program over the allocation; engine ids are MPI ranks'
sge\t'A Grid Engine array job (`qsub -t 1-N`), one engine per task'
ssh\t'Processes on the `[ssh] hosts`, started over ssh'"
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from add" -l engine-start -d 'Exec a new Python per engine, or fork the engines from one (overrides `[engines] start`)' -r -f -a "auto\t'Fork where the engine launcher can, exec elsewhere (the default)'
exec\t'Each engine is a new Python, as ipcluster starts it'
fork\t'One Python imports the engine once and forks every engine; says so where a launcher cannot'"
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from add" -l engines-per-job -d 'Split the engines into Slurm jobs of at most K engines each' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from add" -l timeout -d 'Seconds to wait for the new engines to register' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from add" -l partition -d 'Slurm partition (`#SBATCH --partition`; template variable `queue`)' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from add" -l account -d 'Slurm account to charge (`#SBATCH --account`)' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from add" -l qos -d 'Slurm quality of service (`#SBATCH --qos`)' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from add" -l time -d 'Time limit of each job, in any form `sbatch --time` takes (`#SBATCH --time`)' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from add" -l directive -d 'An extra `#SBATCH` line, e.g. `--directive=--mem=4G` (repeatable)' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from add" -l var -d 'Set a template variable (repeatable)' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from add" -l profile -d 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from add" -l profile-dir -d 'Profile directory to use instead of a named profile' -r -F
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from add" -l color -d 'When to use colors' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from add" -l no-wait -d 'Return once the engines are launched, without waiting for them to register'
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Print less: only results and errors'
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from add" -s v -l verbose -d 'Print more about what is done (repeat for more)'
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from add" -s V -l version -d 'Print version'
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from list" -l cluster-id -d 'The cluster (same as the positional argument)' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from list" -l profile -d 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from list" -l profile-dir -d 'Profile directory to use instead of a named profile' -r -F
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from list" -l color -d 'When to use colors' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from list" -l json -d 'Print JSON instead of a table'
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print less: only results and errors'
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Print more about what is done (repeat for more)'
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from stop" -l cluster-id -d 'The cluster (default: the profile\'s only cluster)' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from stop" -l grace -d 'Seconds between SIGTERM and SIGKILL' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from stop" -l timeout -d 'Seconds to wait for the controller to drop the stopped engines' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from stop" -l profile -d 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from stop" -l profile-dir -d 'Profile directory to use instead of a named profile' -r -F
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from stop" -l color -d 'When to use colors' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from stop" -l no-wait -d 'Return once the sets are stopped, without waiting for the controller to drop their engines'
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from stop" -l json -d 'Print JSON instead of text'
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from stop" -s q -l quiet -d 'Print less: only results and errors'
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from stop" -s v -l verbose -d 'Print more about what is done (repeat for more)'
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from stop" -s h -l help -d 'Print help'
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from stop" -s V -l version -d 'Print version'
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from help" -f -a "add" -d 'Start a further engine set and attach it to a running cluster'
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from help" -f -a "list" -d 'List a cluster\'s engine sets: id, launcher, engines, processes or job, state'
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from help" -f -a "stop" -d 'Stop engine sets (their processes or their job); the controller and other sets keep running'
complete -c rcluster -n "__fish_rcluster_using_subcommand engines; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rcluster -n "__fish_rcluster_using_subcommand render" -s n -l n -d 'Number of engines (the template variable n)' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand render" -l cluster-id -d 'Cluster id (`{cluster_id}`)' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand render" -l role -d 'Which script: the controller\'s or the engines\'' -r -f -a "controller\t''
engines\t''"
complete -c rcluster -n "__fish_rcluster_using_subcommand render" -l partition -d 'Slurm partition (`#SBATCH --partition`; template variable `queue`)' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand render" -l account -d 'Slurm account to charge (`#SBATCH --account`)' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand render" -l qos -d 'Slurm quality of service (`#SBATCH --qos`)' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand render" -l time -d 'Time limit of each job, in any form `sbatch --time` takes (`#SBATCH --time`)' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand render" -l directive -d 'An extra `#SBATCH` line, e.g. `--directive=--mem=4G` (repeatable)' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand render" -l engine-start -d 'Exec a new Python per engine, or fork the engines from one (overrides `[engines] start`; the built-in Slurm engine template differs)' -r -f -a "auto\t'Fork where the engine launcher can, exec elsewhere (the default)'
exec\t'Each engine is a new Python, as ipcluster starts it'
fork\t'One Python imports the engine once and forks every engine; says so where a launcher cannot'"
complete -c rcluster -n "__fish_rcluster_using_subcommand render" -l var -d 'Set a template variable (repeatable), e.g. `--var program_args=`' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand render" -l profile -d 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand render" -l profile-dir -d 'Profile directory to use instead of a named profile' -r -F
complete -c rcluster -n "__fish_rcluster_using_subcommand render" -l color -d 'When to use colors' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rcluster -n "__fish_rcluster_using_subcommand render" -s q -l quiet -d 'Print less: only results and errors'
complete -c rcluster -n "__fish_rcluster_using_subcommand render" -s v -l verbose -d 'Print more about what is done (repeat for more)'
complete -c rcluster -n "__fish_rcluster_using_subcommand render" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rcluster -n "__fish_rcluster_using_subcommand render" -s V -l version -d 'Print version'
complete -c rcluster -n "__fish_rcluster_using_subcommand clean" -l profile -d 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand clean" -l profile-dir -d 'Profile directory to use instead of a named profile' -r -F
complete -c rcluster -n "__fish_rcluster_using_subcommand clean" -l color -d 'When to use colors' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rcluster -n "__fish_rcluster_using_subcommand clean" -l force -d 'Also remove the files of clusters whose state cannot be checked (e.g. corrupt files)'
complete -c rcluster -n "__fish_rcluster_using_subcommand clean" -s q -l quiet -d 'Print less: only results and errors'
complete -c rcluster -n "__fish_rcluster_using_subcommand clean" -s v -l verbose -d 'Print more about what is done (repeat for more)'
complete -c rcluster -n "__fish_rcluster_using_subcommand clean" -s h -l help -d 'Print help'
complete -c rcluster -n "__fish_rcluster_using_subcommand clean" -s V -l version -d 'Print version'
complete -c rcluster -n "__fish_rcluster_using_subcommand logs" -l role -d 'Only the controller\'s or only the engines\' logs' -r -f -a "controller\t''
engines\t''"
complete -c rcluster -n "__fish_rcluster_using_subcommand logs" -l profile -d 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand logs" -l profile-dir -d 'Profile directory to use instead of a named profile' -r -F
complete -c rcluster -n "__fish_rcluster_using_subcommand logs" -l color -d 'When to use colors' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rcluster -n "__fish_rcluster_using_subcommand logs" -s f -l follow -d 'Keep printing what is appended (to engines\' logs on other hosts too, over one connection per host), until Ctrl-C or until every process and job of the cluster has ended'
complete -c rcluster -n "__fish_rcluster_using_subcommand logs" -s q -l quiet -d 'Print less: only results and errors'
complete -c rcluster -n "__fish_rcluster_using_subcommand logs" -s v -l verbose -d 'Print more about what is done (repeat for more)'
complete -c rcluster -n "__fish_rcluster_using_subcommand logs" -s h -l help -d 'Print help'
complete -c rcluster -n "__fish_rcluster_using_subcommand logs" -s V -l version -d 'Print version'
complete -c rcluster -n "__fish_rcluster_using_subcommand doctor" -l client-python -d 'Another Python (e.g. the notebook kernel\'s) whose ipyparallel should match the cluster\'s' -r -F
complete -c rcluster -n "__fish_rcluster_using_subcommand doctor" -l profile -d 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand doctor" -l profile-dir -d 'Profile directory to use instead of a named profile' -r -F
complete -c rcluster -n "__fish_rcluster_using_subcommand doctor" -l color -d 'When to use colors' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rcluster -n "__fish_rcluster_using_subcommand doctor" -l json -d 'Print JSON instead of text'
complete -c rcluster -n "__fish_rcluster_using_subcommand doctor" -s q -l quiet -d 'Print less: only results and errors'
complete -c rcluster -n "__fish_rcluster_using_subcommand doctor" -s v -l verbose -d 'Print more about what is done (repeat for more)'
complete -c rcluster -n "__fish_rcluster_using_subcommand doctor" -s h -l help -d 'Print help'
complete -c rcluster -n "__fish_rcluster_using_subcommand doctor" -s V -l version -d 'Print version'
complete -c rcluster -n "__fish_rcluster_using_subcommand completions" -l profile -d 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand completions" -l profile-dir -d 'Profile directory to use instead of a named profile' -r -F
complete -c rcluster -n "__fish_rcluster_using_subcommand completions" -l color -d 'When to use colors' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rcluster -n "__fish_rcluster_using_subcommand completions" -s q -l quiet -d 'Print less: only results and errors'
complete -c rcluster -n "__fish_rcluster_using_subcommand completions" -s v -l verbose -d 'Print more about what is done (repeat for more)'
complete -c rcluster -n "__fish_rcluster_using_subcommand completions" -s h -l help -d 'Print help'
complete -c rcluster -n "__fish_rcluster_using_subcommand completions" -s V -l version -d 'Print version'
complete -c rcluster -n "__fish_rcluster_using_subcommand man" -l profile -d 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand man" -l profile-dir -d 'Profile directory to use instead of a named profile' -r -F
complete -c rcluster -n "__fish_rcluster_using_subcommand man" -l color -d 'When to use colors' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rcluster -n "__fish_rcluster_using_subcommand man" -s q -l quiet -d 'Print less: only results and errors'
complete -c rcluster -n "__fish_rcluster_using_subcommand man" -s v -l verbose -d 'Print more about what is done (repeat for more)'
complete -c rcluster -n "__fish_rcluster_using_subcommand man" -s h -l help -d 'Print help'
complete -c rcluster -n "__fish_rcluster_using_subcommand man" -s V -l version -d 'Print version'
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and not __fish_seen_subcommand_from create list show import help" -l profile -d 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and not __fish_seen_subcommand_from create list show import help" -l profile-dir -d 'Profile directory to use instead of a named profile' -r -F
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and not __fish_seen_subcommand_from create list show import help" -l color -d 'When to use colors' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and not __fish_seen_subcommand_from create list show import help" -s q -l quiet -d 'Print less: only results and errors'
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and not __fish_seen_subcommand_from create list show import help" -s v -l verbose -d 'Print more about what is done (repeat for more)'
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and not __fish_seen_subcommand_from create list show import help" -s h -l help -d 'Print help'
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and not __fish_seen_subcommand_from create list show import help" -s V -l version -d 'Print version'
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and not __fish_seen_subcommand_from create list show import help" -f -a "create" -d 'Create a profile directory with an `rcluster.toml` from a preset'
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and not __fish_seen_subcommand_from create list show import help" -f -a "list" -d 'List the profiles in the IPython directory'
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and not __fish_seen_subcommand_from create list show import help" -f -a "show" -d 'Show a profile\'s effective settings'
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and not __fish_seen_subcommand_from create list show import help" -f -a "import" -d 'Carry the settings of an `ipcluster_config.py` over into the profile\'s `rcluster.toml`'
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and not __fish_seen_subcommand_from create list show import help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and __fish_seen_subcommand_from create" -l preset -d 'Preset to start from' -r -f -a "local\t'Controller and engines as processes on this machine'
mpi\t'Engines started with `mpiexec`, so engine ids equal MPI ranks'
slurm\t'Controller and engines as Slurm jobs'
rocket\t'Slurm on the University of Tartu\'s Rocket cluster'
sge\t'Controller and engines as Grid Engine jobs'"
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and __fish_seen_subcommand_from create" -l profile -d 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and __fish_seen_subcommand_from create" -l profile-dir -d 'Profile directory to use instead of a named profile' -r -F
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and __fish_seen_subcommand_from create" -l color -d 'When to use colors' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and __fish_seen_subcommand_from create" -l force -d 'Overwrite an existing `rcluster.toml`'
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Print less: only results and errors'
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and __fish_seen_subcommand_from create" -s v -l verbose -d 'Print more about what is done (repeat for more)'
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and __fish_seen_subcommand_from list" -l profile -d 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and __fish_seen_subcommand_from list" -l profile-dir -d 'Profile directory to use instead of a named profile' -r -F
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and __fish_seen_subcommand_from list" -l color -d 'When to use colors' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and __fish_seen_subcommand_from list" -l json -d 'Print JSON instead of a table'
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print less: only results and errors'
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Print more about what is done (repeat for more)'
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and __fish_seen_subcommand_from show" -l profile -d 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and __fish_seen_subcommand_from show" -l profile-dir -d 'Profile directory to use instead of a named profile' -r -F
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and __fish_seen_subcommand_from show" -l color -d 'When to use colors' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print less: only results and errors'
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Print more about what is done (repeat for more)'
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and __fish_seen_subcommand_from import" -l profile -d 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`' -r
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and __fish_seen_subcommand_from import" -l profile-dir -d 'Profile directory to use instead of a named profile' -r -F
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and __fish_seen_subcommand_from import" -l color -d 'When to use colors' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and __fish_seen_subcommand_from import" -s q -l quiet -d 'Print less: only results and errors'
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and __fish_seen_subcommand_from import" -s v -l verbose -d 'Print more about what is done (repeat for more)'
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and __fish_seen_subcommand_from import" -s h -l help -d 'Print help'
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and __fish_seen_subcommand_from import" -s V -l version -d 'Print version'
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create a profile directory with an `rcluster.toml` from a preset'
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the profiles in the IPython directory'
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show a profile\'s effective settings'
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and __fish_seen_subcommand_from help" -f -a "import" -d 'Carry the settings of an `ipcluster_config.py` over into the profile\'s `rcluster.toml`'
complete -c rcluster -n "__fish_rcluster_using_subcommand profile; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rcluster -n "__fish_rcluster_using_subcommand help; and not __fish_seen_subcommand_from start stop list status engines render clean logs doctor completions man profile help" -f -a "start" -d 'Start a controller and engines'
complete -c rcluster -n "__fish_rcluster_using_subcommand help; and not __fish_seen_subcommand_from start stop list status engines render clean logs doctor completions man profile help" -f -a "stop" -d 'Stop clusters: engines and controller, their jobs and files'
complete -c rcluster -n "__fish_rcluster_using_subcommand help; and not __fish_seen_subcommand_from start stop list status engines render clean logs doctor completions man profile help" -f -a "list" -d 'List clusters in every profile, with their real state'
complete -c rcluster -n "__fish_rcluster_using_subcommand help; and not __fish_seen_subcommand_from start stop list status engines render clean logs doctor completions man profile help" -f -a "status" -d 'Show one cluster in detail: processes, jobs, engines, logs, how to attach'
complete -c rcluster -n "__fish_rcluster_using_subcommand help; and not __fish_seen_subcommand_from start stop list status engines render clean logs doctor completions man profile help" -f -a "engines" -d 'Add, list and stop the engine sets of a running cluster'
complete -c rcluster -n "__fish_rcluster_using_subcommand help; and not __fish_seen_subcommand_from start stop list status engines render clean logs doctor completions man profile help" -f -a "render" -d 'Render a batch template as `rcluster start` would, and print it'
complete -c rcluster -n "__fish_rcluster_using_subcommand help; and not __fish_seen_subcommand_from start stop list status engines render clean logs doctor completions man profile help" -f -a "clean" -d 'Remove the files of clusters that are provably dead'
complete -c rcluster -n "__fish_rcluster_using_subcommand help; and not __fish_seen_subcommand_from start stop list status engines render clean logs doctor completions man profile help" -f -a "logs" -d 'Print a cluster\'s log files; `-f` follows them until the cluster ends'
complete -c rcluster -n "__fish_rcluster_using_subcommand help; and not __fish_seen_subcommand_from start stop list status engines render clean logs doctor completions man profile help" -f -a "doctor" -d 'Check what a profile\'s clusters need (Python, ipyparallel, MPI, Slurm, files), with fixes'
complete -c rcluster -n "__fish_rcluster_using_subcommand help; and not __fish_seen_subcommand_from start stop list status engines render clean logs doctor completions man profile help" -f -a "completions" -d 'Print a shell completion script'
complete -c rcluster -n "__fish_rcluster_using_subcommand help; and not __fish_seen_subcommand_from start stop list status engines render clean logs doctor completions man profile help" -f -a "man" -d 'Print the man page (roff), e.g. `rcluster man > ~/.local/share/man/man1/rcluster.1`'
complete -c rcluster -n "__fish_rcluster_using_subcommand help; and not __fish_seen_subcommand_from start stop list status engines render clean logs doctor completions man profile help" -f -a "profile" -d 'Create, list and show profiles'
complete -c rcluster -n "__fish_rcluster_using_subcommand help; and not __fish_seen_subcommand_from start stop list status engines render clean logs doctor completions man profile help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c rcluster -n "__fish_rcluster_using_subcommand help; and __fish_seen_subcommand_from engines" -f -a "add" -d 'Start a further engine set and attach it to a running cluster'
complete -c rcluster -n "__fish_rcluster_using_subcommand help; and __fish_seen_subcommand_from engines" -f -a "list" -d 'List a cluster\'s engine sets: id, launcher, engines, processes or job, state'
complete -c rcluster -n "__fish_rcluster_using_subcommand help; and __fish_seen_subcommand_from engines" -f -a "stop" -d 'Stop engine sets (their processes or their job); the controller and other sets keep running'
complete -c rcluster -n "__fish_rcluster_using_subcommand help; and __fish_seen_subcommand_from profile" -f -a "create" -d 'Create a profile directory with an `rcluster.toml` from a preset'
complete -c rcluster -n "__fish_rcluster_using_subcommand help; and __fish_seen_subcommand_from profile" -f -a "list" -d 'List the profiles in the IPython directory'
complete -c rcluster -n "__fish_rcluster_using_subcommand help; and __fish_seen_subcommand_from profile" -f -a "show" -d 'Show a profile\'s effective settings'
complete -c rcluster -n "__fish_rcluster_using_subcommand help; and __fish_seen_subcommand_from profile" -f -a "import" -d 'Carry the settings of an `ipcluster_config.py` over into the profile\'s `rcluster.toml`'
