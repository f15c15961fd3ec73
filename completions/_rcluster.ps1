
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'rcluster' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'rcluster'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'rcluster' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`')
            [CompletionResult]::new('--profile-dir', '--profile-dir', [CompletionResultType]::ParameterName, 'Profile directory to use instead of a named profile')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Start a controller and engines')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Stop clusters: engines and controller, their jobs and files')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List clusters in every profile, with their real state')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show one cluster in detail: processes, jobs, engines, logs, how to attach')
            [CompletionResult]::new('engines', 'engines', [CompletionResultType]::ParameterValue, 'Add, list and stop the engine sets of a running cluster')
            [CompletionResult]::new('render', 'render', [CompletionResultType]::ParameterValue, 'Render a batch template as `rcluster start` would, and print it')
            [CompletionResult]::new('clean', 'clean', [CompletionResultType]::ParameterValue, 'Remove the files of clusters that are provably dead')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Print a cluster''s log files; `-f` follows them until the cluster ends')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check what a profile''s clusters need (Python, ipyparallel, MPI, Slurm, files), with fixes')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff), e.g. `rcluster man > ~/.local/share/man/man1/rcluster.1`')
            [CompletionResult]::new('profile', 'profile', [CompletionResultType]::ParameterValue, 'Create, list and show profiles')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rcluster;start' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Number of engines to start (default: `[engines] n` of the profile, else the number of CPUs)')
            [CompletionResult]::new('--n', '--n', [CompletionResultType]::ParameterName, 'Number of engines to start (default: `[engines] n` of the profile, else the number of CPUs)')
            [CompletionResult]::new('--cluster-id', '--cluster-id', [CompletionResultType]::ParameterName, 'Cluster id (default: `<unix-seconds>-<4 random chars>`, as `ipp.Cluster` makes it); `--cluster-id ''''` is the empty id of plain `ipcluster start`')
            [CompletionResult]::new('--controller', '--controller', [CompletionResultType]::ParameterName, 'How to start the controller (overrides `[controller] launcher`)')
            [CompletionResult]::new('--engines', '--engines', [CompletionResultType]::ParameterName, 'How to start the engines (overrides `[engines] launcher`)')
            [CompletionResult]::new('--engine-start', '--engine-start', [CompletionResultType]::ParameterName, 'Exec a new Python per engine, or fork the engines from one (overrides `[engines] start`)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the controller and for all engines to register')
            [CompletionResult]::new('--engines-per-job', '--engines-per-job', [CompletionResultType]::ParameterName, 'Split the engines into Slurm jobs of at most K engines each (overrides `[engines] per_job`)')
            [CompletionResult]::new('--partition', '--partition', [CompletionResultType]::ParameterName, 'Slurm partition (`#SBATCH --partition`; template variable `queue`)')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Slurm account to charge (`#SBATCH --account`)')
            [CompletionResult]::new('--qos', '--qos', [CompletionResultType]::ParameterName, 'Slurm quality of service (`#SBATCH --qos`)')
            [CompletionResult]::new('--time', '--time', [CompletionResultType]::ParameterName, 'Time limit of each job, in any form `sbatch --time` takes (`#SBATCH --time`)')
            [CompletionResult]::new('--directive', '--directive', [CompletionResultType]::ParameterName, 'An extra `#SBATCH` line, e.g. `--directive=--mem=4G` (repeatable)')
            [CompletionResult]::new('--var', '--var', [CompletionResultType]::ParameterName, 'Set a template variable (repeatable); overrides `[vars]` and the built-in variables')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`')
            [CompletionResult]::new('--profile-dir', '--profile-dir', [CompletionResultType]::ParameterName, 'Profile directory to use instead of a named profile')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors')
            [CompletionResult]::new('--no-wait', '--no-wait', [CompletionResultType]::ParameterName, 'Return as soon as everything is launched, without waiting for engines to register')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print every script and command start would run, and run nothing')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rcluster;stop' {
            [CompletionResult]::new('--cluster-id', '--cluster-id', [CompletionResultType]::ParameterName, 'Cluster id to stop (same as the positional argument; `--cluster-id ''''` names the empty id)')
            [CompletionResult]::new('--grace', '--grace', [CompletionResultType]::ParameterName, 'Seconds between SIGTERM and SIGKILL')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`')
            [CompletionResult]::new('--profile-dir', '--profile-dir', [CompletionResultType]::ParameterName, 'Profile directory to use instead of a named profile')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Stop every cluster of the profile')
            [CompletionResult]::new('--keep-logs', '--keep-logs', [CompletionResultType]::ParameterName, 'Keep the clusters'' log files')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rcluster;list' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`')
            [CompletionResult]::new('--profile-dir', '--profile-dir', [CompletionResultType]::ParameterName, 'Profile directory to use instead of a named profile')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of a table')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rcluster;status' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`')
            [CompletionResult]::new('--profile-dir', '--profile-dir', [CompletionResultType]::ParameterName, 'Profile directory to use instead of a named profile')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rcluster;engines' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`')
            [CompletionResult]::new('--profile-dir', '--profile-dir', [CompletionResultType]::ParameterName, 'Profile directory to use instead of a named profile')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Start a further engine set and attach it to a running cluster')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List a cluster''s engine sets: id, launcher, engines, processes or job, state')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Stop engine sets (their processes or their job); the controller and other sets keep running')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rcluster;engines;add' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Number of engines to add (default: `[engines] n` of the profile)')
            [CompletionResult]::new('--n', '--n', [CompletionResultType]::ParameterName, 'Number of engines to add (default: `[engines] n` of the profile)')
            [CompletionResult]::new('--cluster-id', '--cluster-id', [CompletionResultType]::ParameterName, 'The cluster (default: the profile''s only cluster)')
            [CompletionResult]::new('--engines', '--engines', [CompletionResultType]::ParameterName, 'How to start the engines (default: the cluster''s engine launcher)')
            [CompletionResult]::new('--engine-start', '--engine-start', [CompletionResultType]::ParameterName, 'Exec a new Python per engine, or fork the engines from one (overrides `[engines] start`)')
            [CompletionResult]::new('--engines-per-job', '--engines-per-job', [CompletionResultType]::ParameterName, 'Split the engines into Slurm jobs of at most K engines each')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the new engines to register')
            [CompletionResult]::new('--partition', '--partition', [CompletionResultType]::ParameterName, 'Slurm partition (`#SBATCH --partition`; template variable `queue`)')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Slurm account to charge (`#SBATCH --account`)')
            [CompletionResult]::new('--qos', '--qos', [CompletionResultType]::ParameterName, 'Slurm quality of service (`#SBATCH --qos`)')
            [CompletionResult]::new('--time', '--time', [CompletionResultType]::ParameterName, 'Time limit of each job, in any form `sbatch --time` takes (`#SBATCH --time`)')
            [CompletionResult]::new('--directive', '--directive', [CompletionResultType]::ParameterName, 'An extra `#SBATCH` line, e.g. `--directive=--mem=4G` (repeatable)')
            [CompletionResult]::new('--var', '--var', [CompletionResultType]::ParameterName, 'Set a template variable (repeatable)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`')
            [CompletionResult]::new('--profile-dir', '--profile-dir', [CompletionResultType]::ParameterName, 'Profile directory to use instead of a named profile')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors')
            [CompletionResult]::new('--no-wait', '--no-wait', [CompletionResultType]::ParameterName, 'Return once the engines are launched, without waiting for them to register')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rcluster;engines;list' {
            [CompletionResult]::new('--cluster-id', '--cluster-id', [CompletionResultType]::ParameterName, 'The cluster (same as the positional argument)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`')
            [CompletionResult]::new('--profile-dir', '--profile-dir', [CompletionResultType]::ParameterName, 'Profile directory to use instead of a named profile')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of a table')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rcluster;engines;stop' {
            [CompletionResult]::new('--cluster-id', '--cluster-id', [CompletionResultType]::ParameterName, 'The cluster (default: the profile''s only cluster)')
            [CompletionResult]::new('--grace', '--grace', [CompletionResultType]::ParameterName, 'Seconds between SIGTERM and SIGKILL')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the controller to drop the stopped engines')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`')
            [CompletionResult]::new('--profile-dir', '--profile-dir', [CompletionResultType]::ParameterName, 'Profile directory to use instead of a named profile')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors')
            [CompletionResult]::new('--no-wait', '--no-wait', [CompletionResultType]::ParameterName, 'Return once the sets are stopped, without waiting for the controller to drop their engines')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rcluster;engines;help' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Start a further engine set and attach it to a running cluster')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List a cluster''s engine sets: id, launcher, engines, processes or job, state')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Stop engine sets (their processes or their job); the controller and other sets keep running')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rcluster;engines;help;add' {
            break
        }
        'rcluster;engines;help;list' {
            break
        }
        'rcluster;engines;help;stop' {
            break
        }
        'rcluster;engines;help;help' {
            break
        }
        'rcluster;render' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Number of engines (the template variable n)')
            [CompletionResult]::new('--n', '--n', [CompletionResultType]::ParameterName, 'Number of engines (the template variable n)')
            [CompletionResult]::new('--cluster-id', '--cluster-id', [CompletionResultType]::ParameterName, 'Cluster id (`{cluster_id}`)')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'Which script: the controller''s or the engines''')
            [CompletionResult]::new('--partition', '--partition', [CompletionResultType]::ParameterName, 'Slurm partition (`#SBATCH --partition`; template variable `queue`)')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Slurm account to charge (`#SBATCH --account`)')
            [CompletionResult]::new('--qos', '--qos', [CompletionResultType]::ParameterName, 'Slurm quality of service (`#SBATCH --qos`)')
            [CompletionResult]::new('--time', '--time', [CompletionResultType]::ParameterName, 'Time limit of each job, in any form `sbatch --time` takes (`#SBATCH --time`)')
            [CompletionResult]::new('--directive', '--directive', [CompletionResultType]::ParameterName, 'An extra `#SBATCH` line, e.g. `--directive=--mem=4G` (repeatable)')
            [CompletionResult]::new('--engine-start', '--engine-start', [CompletionResultType]::ParameterName, 'Exec a new Python per engine, or fork the engines from one (overrides `[engines] start`; the built-in Slurm engine template differs)')
            [CompletionResult]::new('--var', '--var', [CompletionResultType]::ParameterName, 'Set a template variable (repeatable), e.g. `--var program_args=`')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`')
            [CompletionResult]::new('--profile-dir', '--profile-dir', [CompletionResultType]::ParameterName, 'Profile directory to use instead of a named profile')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rcluster;clean' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`')
            [CompletionResult]::new('--profile-dir', '--profile-dir', [CompletionResultType]::ParameterName, 'Profile directory to use instead of a named profile')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Also remove the files of clusters whose state cannot be checked (e.g. corrupt files)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rcluster;logs' {
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'Only the controller''s or only the engines'' logs')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`')
            [CompletionResult]::new('--profile-dir', '--profile-dir', [CompletionResultType]::ParameterName, 'Profile directory to use instead of a named profile')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Keep printing what is appended (to engines'' logs on other hosts too, over one connection per host), until Ctrl-C or until every process and job of the cluster has ended')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Keep printing what is appended (to engines'' logs on other hosts too, over one connection per host), until Ctrl-C or until every process and job of the cluster has ended')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rcluster;doctor' {
            [CompletionResult]::new('--client-python', '--client-python', [CompletionResultType]::ParameterName, 'Another Python (e.g. the notebook kernel''s) whose ipyparallel should match the cluster''s')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`')
            [CompletionResult]::new('--profile-dir', '--profile-dir', [CompletionResultType]::ParameterName, 'Profile directory to use instead of a named profile')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rcluster;completions' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`')
            [CompletionResult]::new('--profile-dir', '--profile-dir', [CompletionResultType]::ParameterName, 'Profile directory to use instead of a named profile')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rcluster;man' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`')
            [CompletionResult]::new('--profile-dir', '--profile-dir', [CompletionResultType]::ParameterName, 'Profile directory to use instead of a named profile')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rcluster;profile' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`')
            [CompletionResult]::new('--profile-dir', '--profile-dir', [CompletionResultType]::ParameterName, 'Profile directory to use instead of a named profile')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a profile directory with an `rcluster.toml` from a preset')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the profiles in the IPython directory')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a profile''s effective settings')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Carry the settings of an `ipcluster_config.py` over into the profile''s `rcluster.toml`')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rcluster;profile;create' {
            [CompletionResult]::new('--preset', '--preset', [CompletionResultType]::ParameterName, 'Preset to start from')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`')
            [CompletionResult]::new('--profile-dir', '--profile-dir', [CompletionResultType]::ParameterName, 'Profile directory to use instead of a named profile')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite an existing `rcluster.toml`')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rcluster;profile;list' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`')
            [CompletionResult]::new('--profile-dir', '--profile-dir', [CompletionResultType]::ParameterName, 'Profile directory to use instead of a named profile')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of a table')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rcluster;profile;show' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`')
            [CompletionResult]::new('--profile-dir', '--profile-dir', [CompletionResultType]::ParameterName, 'Profile directory to use instead of a named profile')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rcluster;profile;import' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'IPython profile name: the profile directory is `$IPYTHONDIR/profile_<NAME>`')
            [CompletionResult]::new('--profile-dir', '--profile-dir', [CompletionResultType]::ParameterName, 'Profile directory to use instead of a named profile')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colors')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print less: only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print less: only results and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print more about what is done (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print more about what is done (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'rcluster;profile;help' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a profile directory with an `rcluster.toml` from a preset')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the profiles in the IPython directory')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a profile''s effective settings')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Carry the settings of an `ipcluster_config.py` over into the profile''s `rcluster.toml`')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rcluster;profile;help;create' {
            break
        }
        'rcluster;profile;help;list' {
            break
        }
        'rcluster;profile;help;show' {
            break
        }
        'rcluster;profile;help;import' {
            break
        }
        'rcluster;profile;help;help' {
            break
        }
        'rcluster;help' {
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Start a controller and engines')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Stop clusters: engines and controller, their jobs and files')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List clusters in every profile, with their real state')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show one cluster in detail: processes, jobs, engines, logs, how to attach')
            [CompletionResult]::new('engines', 'engines', [CompletionResultType]::ParameterValue, 'Add, list and stop the engine sets of a running cluster')
            [CompletionResult]::new('render', 'render', [CompletionResultType]::ParameterValue, 'Render a batch template as `rcluster start` would, and print it')
            [CompletionResult]::new('clean', 'clean', [CompletionResultType]::ParameterValue, 'Remove the files of clusters that are provably dead')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Print a cluster''s log files; `-f` follows them until the cluster ends')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check what a profile''s clusters need (Python, ipyparallel, MPI, Slurm, files), with fixes')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff), e.g. `rcluster man > ~/.local/share/man/man1/rcluster.1`')
            [CompletionResult]::new('profile', 'profile', [CompletionResultType]::ParameterValue, 'Create, list and show profiles')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rcluster;help;start' {
            break
        }
        'rcluster;help;stop' {
            break
        }
        'rcluster;help;list' {
            break
        }
        'rcluster;help;status' {
            break
        }
        'rcluster;help;engines' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Start a further engine set and attach it to a running cluster')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List a cluster''s engine sets: id, launcher, engines, processes or job, state')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Stop engine sets (their processes or their job); the controller and other sets keep running')
            break
        }
        'rcluster;help;engines;add' {
            break
        }
        'rcluster;help;engines;list' {
            break
        }
        'rcluster;help;engines;stop' {
            break
        }
        'rcluster;help;render' {
            break
        }
        'rcluster;help;clean' {
            break
        }
        'rcluster;help;logs' {
            break
        }
        'rcluster;help;doctor' {
            break
        }
        'rcluster;help;completions' {
            break
        }
        'rcluster;help;man' {
            break
        }
        'rcluster;help;profile' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a profile directory with an `rcluster.toml` from a preset')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the profiles in the IPython directory')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a profile''s effective settings')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Carry the settings of an `ipcluster_config.py` over into the profile''s `rcluster.toml`')
            break
        }
        'rcluster;help;profile;create' {
            break
        }
        'rcluster;help;profile;list' {
            break
        }
        'rcluster;help;profile;show' {
            break
        }
        'rcluster;help;profile;import' {
            break
        }
        'rcluster;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
