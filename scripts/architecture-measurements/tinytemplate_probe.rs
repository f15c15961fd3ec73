//! Tries to render ipcluster batch templates (Python str.format / IPython EvalFormatter syntax)
//! with tinytemplate 1.2.1, and prints exactly what tinytemplate says.
use tinytemplate::{TinyTemplate, format_unescaped};

fn try_one(name: &str, text: &str, ctx: &serde_json::Value) {
    println!("=== {name}");
    for (label, escaped) in [("default formatter (HTML-escaping)", true), ("format_unescaped", false)] {
        let mut tt = TinyTemplate::new();
        if !escaped {
            tt.set_default_formatter(&format_unescaped);
        }
        match tt.add_template("t", text) {
            Err(e) => {
                println!("--- {label}: add_template (compile) ERROR: {e}");
                continue;
            }
            Ok(()) => {}
        }
        match tt.render("t", ctx) {
            Ok(out) => println!("--- {label}: rendered OK:\n{out}"),
            Err(e) => println!("--- {label}: render ERROR: {e}"),
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let ctx: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&args[1]).expect("context file")).expect("json");
    for path in &args[2..] {
        let text = std::fs::read_to_string(path).expect("template file");
        try_one(path, &text, &ctx);
    }
    for line in [
        "#SBATCH --nodes={n//5 + 1}",
        "#SBATCH --job-name=ipengine-{n:03d}",
        "#SBATCH --mem={4 * n}G",
        "#SBATCH --partition={queue or 'debug'}",
        "echo \"job ${{SLURM_JOB_ID}} done\"",
        "{program_and_args}",
        "#SBATCH --ntasks={n}",
        "EXCLUSIVE={exclusive} BIG={big}",
    ] {
        try_one(line, line, &ctx);
    }
}
