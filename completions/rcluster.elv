
use builtin;
use str;

set edit:completion:arg-completer[rcluster] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'rcluster'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'rcluster'= {
            cand --profile 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`'
            cand --profile-dir 'Profile directory to use instead of a named profile'
            cand --color 'When to use colors'
            cand -q 'Print less: only results and errors'
            cand --quiet 'Print less: only results and errors'
            cand -v 'Print more about what is done (repeat for more)'
            cand --verbose 'Print more about what is done (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand start 'Start a controller and engines'
            cand stop 'Stop clusters: engines and controller, their jobs and files'
            cand list 'List clusters in every profile, with their real state'
            cand status 'Show one cluster in detail: processes, jobs, engines, logs, how to attach'
            cand engines 'Add, list and stop the engine sets of a running cluster'
            cand render 'Render a batch template as `rcluster start` would, and print it'
            cand clean 'Remove the files of clusters that are provably dead'
            cand logs 'Print a cluster''s log files; `-f` follows them until the cluster ends'
            cand doctor 'Check what a profile''s clusters need (Python, ipyparallel, MPI, Slurm, files), with fixes'
            cand completions 'Print a shell completion script'
            cand man 'Print the man page (roff), e.g. `rcluster man > ~/.local/share/man/man1/rcluster.1`'
            cand profile 'Create, list and show profiles'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rcluster;start'= {
            cand -n 'Number of engines to start (default: `[engines] n` of the profile, else the number of CPUs)'
            cand --n 'Number of engines to start (default: `[engines] n` of the profile, else the number of CPUs)'
            cand --cluster-id 'Cluster id (default: `<unix-seconds>-<4 random chars>`, as `ipp.Cluster` makes it); `--cluster-id ''''` is the empty id of plain `ipcluster start`'
            cand --controller 'How to start the controller (overrides `[controller] launcher`)'
            cand --engines 'How to start the engines (overrides `[engines] launcher`)'
            cand --engine-start 'Exec a new Python per engine, or fork the engines from one (overrides `[engines] start`)'
            cand --timeout 'Seconds to wait for the controller and for all engines to register'
            cand --engines-per-job 'Split the engines into Slurm jobs of at most K engines each (overrides `[engines] per_job`)'
            cand --partition 'Slurm partition (`#SBATCH --partition`; template variable `queue`)'
            cand --account 'Slurm account to charge (`#SBATCH --account`)'
            cand --qos 'Slurm quality of service (`#SBATCH --qos`)'
            cand --time 'Time limit of each job, in any form `sbatch --time` takes (`#SBATCH --time`)'
            cand --directive 'An extra `#SBATCH` line, e.g. `--directive=--mem=4G` (repeatable)'
            cand --var 'Set a template variable (repeatable); overrides `[vars]` and the built-in variables'
            cand --profile 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`'
            cand --profile-dir 'Profile directory to use instead of a named profile'
            cand --color 'When to use colors'
            cand --no-wait 'Return as soon as everything is launched, without waiting for engines to register'
            cand --dry-run 'Print every script and command start would run, and run nothing'
            cand -q 'Print less: only results and errors'
            cand --quiet 'Print less: only results and errors'
            cand -v 'Print more about what is done (repeat for more)'
            cand --verbose 'Print more about what is done (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rcluster;stop'= {
            cand --cluster-id 'Cluster id to stop (same as the positional argument; `--cluster-id ''''` names the empty id)'
            cand --grace 'Seconds between SIGTERM and SIGKILL'
            cand --profile 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`'
            cand --profile-dir 'Profile directory to use instead of a named profile'
            cand --color 'When to use colors'
            cand --all 'Stop every cluster of the profile'
            cand --keep-logs 'Keep the clusters'' log files'
            cand -q 'Print less: only results and errors'
            cand --quiet 'Print less: only results and errors'
            cand -v 'Print more about what is done (repeat for more)'
            cand --verbose 'Print more about what is done (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rcluster;list'= {
            cand --profile 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`'
            cand --profile-dir 'Profile directory to use instead of a named profile'
            cand --color 'When to use colors'
            cand --json 'Print JSON instead of a table'
            cand -q 'Print less: only results and errors'
            cand --quiet 'Print less: only results and errors'
            cand -v 'Print more about what is done (repeat for more)'
            cand --verbose 'Print more about what is done (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rcluster;status'= {
            cand --profile 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`'
            cand --profile-dir 'Profile directory to use instead of a named profile'
            cand --color 'When to use colors'
            cand --json 'Print JSON instead of text'
            cand -q 'Print less: only results and errors'
            cand --quiet 'Print less: only results and errors'
            cand -v 'Print more about what is done (repeat for more)'
            cand --verbose 'Print more about what is done (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rcluster;engines'= {
            cand --profile 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`'
            cand --profile-dir 'Profile directory to use instead of a named profile'
            cand --color 'When to use colors'
            cand -q 'Print less: only results and errors'
            cand --quiet 'Print less: only results and errors'
            cand -v 'Print more about what is done (repeat for more)'
            cand --verbose 'Print more about what is done (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand add 'Start a further engine set and attach it to a running cluster'
            cand list 'List a cluster''s engine sets: id, launcher, engines, processes or job, state'
            cand stop 'Stop engine sets (their processes or their job); the controller and other sets keep running'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rcluster;engines;add'= {
            cand -n 'Number of engines to add (default: `[engines] n` of the profile)'
            cand --n 'Number of engines to add (default: `[engines] n` of the profile)'
            cand --cluster-id 'The cluster (default: the profile''s only cluster)'
            cand --engines 'How to start the engines (default: the cluster''s engine launcher)'
            cand --engine-start 'Exec a new Python per engine, or fork the engines from one (overrides `[engines] start`)'
            cand --engines-per-job 'Split the engines into Slurm jobs of at most K engines each'
            cand --timeout 'Seconds to wait for the new engines to register'
            cand --partition 'Slurm partition (`#SBATCH --partition`; template variable `queue`)'
            cand --account 'Slurm account to charge (`#SBATCH --account`)'
            cand --qos 'Slurm quality of service (`#SBATCH --qos`)'
            cand --time 'Time limit of each job, in any form `sbatch --time` takes (`#SBATCH --time`)'
            cand --directive 'An extra `#SBATCH` line, e.g. `--directive=--mem=4G` (repeatable)'
            cand --var 'Set a template variable (repeatable)'
            cand --profile 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`'
            cand --profile-dir 'Profile directory to use instead of a named profile'
            cand --color 'When to use colors'
            cand --no-wait 'Return once the engines are launched, without waiting for them to register'
            cand -q 'Print less: only results and errors'
            cand --quiet 'Print less: only results and errors'
            cand -v 'Print more about what is done (repeat for more)'
            cand --verbose 'Print more about what is done (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rcluster;engines;list'= {
            cand --cluster-id 'The cluster (same as the positional argument)'
            cand --profile 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`'
            cand --profile-dir 'Profile directory to use instead of a named profile'
            cand --color 'When to use colors'
            cand --json 'Print JSON instead of a table'
            cand -q 'Print less: only results and errors'
            cand --quiet 'Print less: only results and errors'
            cand -v 'Print more about what is done (repeat for more)'
            cand --verbose 'Print more about what is done (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rcluster;engines;stop'= {
            cand --cluster-id 'The cluster (default: the profile''s only cluster)'
            cand --grace 'Seconds between SIGTERM and SIGKILL'
            cand --timeout 'Seconds to wait for the controller to drop the stopped engines'
            cand --profile 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`'
            cand --profile-dir 'Profile directory to use instead of a named profile'
            cand --color 'When to use colors'
            cand --no-wait 'Return once the sets are stopped, without waiting for the controller to drop their engines'
            cand --json 'Print JSON instead of text'
            cand -q 'Print less: only results and errors'
            cand --quiet 'Print less: only results and errors'
            cand -v 'Print more about what is done (repeat for more)'
            cand --verbose 'Print more about what is done (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rcluster;engines;help'= {
            cand add 'Start a further engine set and attach it to a running cluster'
            cand list 'List a cluster''s engine sets: id, launcher, engines, processes or job, state'
            cand stop 'Stop engine sets (their processes or their job); the controller and other sets keep running'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rcluster;engines;help;add'= {
        }
        &'rcluster;engines;help;list'= {
        }
        &'rcluster;engines;help;stop'= {
        }
        &'rcluster;engines;help;help'= {
        }
        &'rcluster;render'= {
            cand -n 'Number of engines (the template variable n)'
            cand --n 'Number of engines (the template variable n)'
            cand --cluster-id 'Cluster id (`{cluster_id}`)'
            cand --role 'Which script: the controller''s or the engines'''
            cand --partition 'Slurm partition (`#SBATCH --partition`; template variable `queue`)'
            cand --account 'Slurm account to charge (`#SBATCH --account`)'
            cand --qos 'Slurm quality of service (`#SBATCH --qos`)'
            cand --time 'Time limit of each job, in any form `sbatch --time` takes (`#SBATCH --time`)'
            cand --directive 'An extra `#SBATCH` line, e.g. `--directive=--mem=4G` (repeatable)'
            cand --engine-start 'Exec a new Python per engine, or fork the engines from one (overrides `[engines] start`; the built-in Slurm engine template differs)'
            cand --var 'Set a template variable (repeatable), e.g. `--var program_args=`'
            cand --profile 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`'
            cand --profile-dir 'Profile directory to use instead of a named profile'
            cand --color 'When to use colors'
            cand -q 'Print less: only results and errors'
            cand --quiet 'Print less: only results and errors'
            cand -v 'Print more about what is done (repeat for more)'
            cand --verbose 'Print more about what is done (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rcluster;clean'= {
            cand --profile 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`'
            cand --profile-dir 'Profile directory to use instead of a named profile'
            cand --color 'When to use colors'
            cand --force 'Also remove the files of clusters whose state cannot be checked (e.g. corrupt files)'
            cand -q 'Print less: only results and errors'
            cand --quiet 'Print less: only results and errors'
            cand -v 'Print more about what is done (repeat for more)'
            cand --verbose 'Print more about what is done (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rcluster;logs'= {
            cand --role 'Only the controller''s or only the engines'' logs'
            cand --profile 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`'
            cand --profile-dir 'Profile directory to use instead of a named profile'
            cand --color 'When to use colors'
            cand -f 'Keep printing what is appended (to engines'' logs on other hosts too, over one connection per host), until Ctrl-C or until every process and job of the cluster has ended'
            cand --follow 'Keep printing what is appended (to engines'' logs on other hosts too, over one connection per host), until Ctrl-C or until every process and job of the cluster has ended'
            cand -q 'Print less: only results and errors'
            cand --quiet 'Print less: only results and errors'
            cand -v 'Print more about what is done (repeat for more)'
            cand --verbose 'Print more about what is done (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rcluster;doctor'= {
            cand --client-python 'Another Python (e.g. the notebook kernel''s) whose ipyparallel should match the cluster''s'
            cand --profile 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`'
            cand --profile-dir 'Profile directory to use instead of a named profile'
            cand --color 'When to use colors'
            cand --json 'Print JSON instead of text'
            cand -q 'Print less: only results and errors'
            cand --quiet 'Print less: only results and errors'
            cand -v 'Print more about what is done (repeat for more)'
            cand --verbose 'Print more about what is done (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rcluster;completions'= {
            cand --profile 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`'
            cand --profile-dir 'Profile directory to use instead of a named profile'
            cand --color 'When to use colors'
            cand -q 'Print less: only results and errors'
            cand --quiet 'Print less: only results and errors'
            cand -v 'Print more about what is done (repeat for more)'
            cand --verbose 'Print more about what is done (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rcluster;man'= {
            cand --profile 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`'
            cand --profile-dir 'Profile directory to use instead of a named profile'
            cand --color 'When to use colors'
            cand -q 'Print less: only results and errors'
            cand --quiet 'Print less: only results and errors'
            cand -v 'Print more about what is done (repeat for more)'
            cand --verbose 'Print more about what is done (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rcluster;profile'= {
            cand --profile 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`'
            cand --profile-dir 'Profile directory to use instead of a named profile'
            cand --color 'When to use colors'
            cand -q 'Print less: only results and errors'
            cand --quiet 'Print less: only results and errors'
            cand -v 'Print more about what is done (repeat for more)'
            cand --verbose 'Print more about what is done (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand create 'Create a profile directory with an `rcluster.toml` from a preset'
            cand list 'List the profiles in the IPython directory'
            cand show 'Show a profile''s effective settings'
            cand import 'Carry the settings of an `ipcluster_config.py` over into the profile''s `rcluster.toml`'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rcluster;profile;create'= {
            cand --preset 'Preset to start from'
            cand --profile 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`'
            cand --profile-dir 'Profile directory to use instead of a named profile'
            cand --color 'When to use colors'
            cand --force 'Overwrite an existing `rcluster.toml`'
            cand -q 'Print less: only results and errors'
            cand --quiet 'Print less: only results and errors'
            cand -v 'Print more about what is done (repeat for more)'
            cand --verbose 'Print more about what is done (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rcluster;profile;list'= {
            cand --profile 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`'
            cand --profile-dir 'Profile directory to use instead of a named profile'
            cand --color 'When to use colors'
            cand --json 'Print JSON instead of a table'
            cand -q 'Print less: only results and errors'
            cand --quiet 'Print less: only results and errors'
            cand -v 'Print more about what is done (repeat for more)'
            cand --verbose 'Print more about what is done (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rcluster;profile;show'= {
            cand --profile 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`'
            cand --profile-dir 'Profile directory to use instead of a named profile'
            cand --color 'When to use colors'
            cand -q 'Print less: only results and errors'
            cand --quiet 'Print less: only results and errors'
            cand -v 'Print more about what is done (repeat for more)'
            cand --verbose 'Print more about what is done (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rcluster;profile;import'= {
            cand --profile 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`'
            cand --profile-dir 'Profile directory to use instead of a named profile'
            cand --color 'When to use colors'
            cand -q 'Print less: only results and errors'
            cand --quiet 'Print less: only results and errors'
            cand -v 'Print more about what is done (repeat for more)'
            cand --verbose 'Print more about what is done (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'rcluster;profile;help'= {
            cand create 'Create a profile directory with an `rcluster.toml` from a preset'
            cand list 'List the profiles in the IPython directory'
            cand show 'Show a profile''s effective settings'
            cand import 'Carry the settings of an `ipcluster_config.py` over into the profile''s `rcluster.toml`'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rcluster;profile;help;create'= {
        }
        &'rcluster;profile;help;list'= {
        }
        &'rcluster;profile;help;show'= {
        }
        &'rcluster;profile;help;import'= {
        }
        &'rcluster;profile;help;help'= {
        }
        &'rcluster;help'= {
            cand start 'Start a controller and engines'
            cand stop 'Stop clusters: engines and controller, their jobs and files'
            cand list 'List clusters in every profile, with their real state'
            cand status 'Show one cluster in detail: processes, jobs, engines, logs, how to attach'
            cand engines 'Add, list and stop the engine sets of a running cluster'
            cand render 'Render a batch template as `rcluster start` would, and print it'
            cand clean 'Remove the files of clusters that are provably dead'
            cand logs 'Print a cluster''s log files; `-f` follows them until the cluster ends'
            cand doctor 'Check what a profile''s clusters need (Python, ipyparallel, MPI, Slurm, files), with fixes'
            cand completions 'Print a shell completion script'
            cand man 'Print the man page (roff), e.g. `rcluster man > ~/.local/share/man/man1/rcluster.1`'
            cand profile 'Create, list and show profiles'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rcluster;help;start'= {
        }
        &'rcluster;help;stop'= {
        }
        &'rcluster;help;list'= {
        }
        &'rcluster;help;status'= {
        }
        &'rcluster;help;engines'= {
            cand add 'Start a further engine set and attach it to a running cluster'
            cand list 'List a cluster''s engine sets: id, launcher, engines, processes or job, state'
            cand stop 'Stop engine sets (their processes or their job); the controller and other sets keep running'
        }
        &'rcluster;help;engines;add'= {
        }
        &'rcluster;help;engines;list'= {
        }
        &'rcluster;help;engines;stop'= {
        }
        &'rcluster;help;render'= {
        }
        &'rcluster;help;clean'= {
        }
        &'rcluster;help;logs'= {
        }
        &'rcluster;help;doctor'= {
        }
        &'rcluster;help;completions'= {
        }
        &'rcluster;help;man'= {
        }
        &'rcluster;help;profile'= {
            cand create 'Create a profile directory with an `rcluster.toml` from a preset'
            cand list 'List the profiles in the IPython directory'
            cand show 'Show a profile''s effective settings'
            cand import 'Carry the settings of an `ipcluster_config.py` over into the profile''s `rcluster.toml`'
        }
        &'rcluster;help;profile;create'= {
        }
        &'rcluster;help;profile;list'= {
        }
        &'rcluster;help;profile;show'= {
        }
        &'rcluster;help;profile;import'= {
        }
        &'rcluster;help;help'= {
        }
    ]
    $completions[$command]
}
