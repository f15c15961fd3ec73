//! Differential tests: rcluster's template renderer against Python's real
//! `IPython.utils.text.EvalFormatter` (what ipcluster uses), byte for byte.
//!
//! Every `tests/template_corpus/*.tmpl` is rendered by both with the variables of
//! `tests/template_corpus/context.json`:
//! - names with `-err-` must fail in Python, and must fail in rcluster;
//! - names with `-diverge-` must succeed in Python and fail in rcluster: expressions outside
//!   rcluster's language, which it refuses on purpose (see docs/templates.md);
//! - every other template must succeed in both with identical output.
//!
//! The `#SBATCH` lines that ipcluster adds to its default templates are compared too, against
//! ipyparallel's own `_insert_options_in_script` / `_insert_job_array_in_script`, for each case
//! of `tests/template_corpus/slurm_cases.json`.
//!
//! Python is `$RCLUSTER_TEST_PYTHON`, else `.venv/bin/python` at the repository root. It needs
//! IPython and ipyparallel; without them these tests fail and say how to set them up.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use rcluster::template::sge;
use rcluster::template::slurm::{self, SlurmOptions};
use rcluster::template::{Context, Value, render};
use serde_json::Value as Json;

const SETUP: &str = "set up Python for the template tests with `scripts/setup.sh` (it creates \
.venv from requirements-dev.txt), or `python3 -m venv .venv && .venv/bin/pip install ipyparallel` \
at the repository root, or point RCLUSTER_TEST_PYTHON at a Python that has IPython and ipyparallel";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn corpus_dir() -> PathBuf {
    root().join("tests/template_corpus")
}

fn python() -> PathBuf {
    if let Some(path) = std::env::var_os("RCLUSTER_TEST_PYTHON") {
        let path = PathBuf::from(path);
        assert!(
            path.exists(),
            "RCLUSTER_TEST_PYTHON={} does not exist; {SETUP}",
            path.display()
        );
        return path;
    }
    let venv = root().join(".venv/bin/python");
    assert!(
        venv.exists(),
        "no Python for the differential template tests: RCLUSTER_TEST_PYTHON is not set and {} does not exist; {SETUP}",
        venv.display()
    );
    venv
}

/// What Python says about the whole corpus (one Python start for all the tests).
fn python_report() -> &'static Json {
    static REPORT: OnceLock<Json> = OnceLock::new();
    REPORT.get_or_init(|| {
        let python = python();
        let dir = corpus_dir();
        let output = Command::new(&python)
            .arg(root().join("tests/support/render_evalformatter.py"))
            .arg("--corpus")
            .arg(&dir)
            .arg(dir.join("context.json"))
            .arg("--slurm-cases")
            .arg(dir.join("slurm_cases.json"))
            .output()
            .unwrap_or_else(|err| panic!("cannot run {}: {err}; {SETUP}", python.display()));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.code() != Some(3),
            "{} cannot import IPython/ipyparallel: {}; {SETUP}",
            python.display(),
            stderr.trim()
        );
        assert!(
            output.status.success(),
            "render_evalformatter.py failed ({}): {stderr}",
            output.status
        );
        serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|err| panic!("render_evalformatter.py printed bad JSON: {err}"))
    })
}

fn to_value(json: &Json) -> Value {
    match json {
        Json::Null => Value::None,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => Value::Str(s.clone()),
        Json::Array(items) => Value::List(items.iter().map(to_value).collect()),
        Json::Object(_) => panic!("context.json may not hold objects"),
    }
}

fn context() -> Context {
    let text = std::fs::read_to_string(corpus_dir().join("context.json"))
        .unwrap_or_else(|err| panic!("cannot read context.json: {err}"));
    let json: Json =
        serde_json::from_str(&text).unwrap_or_else(|err| panic!("context.json: {err}"));
    let Json::Object(map) = json else {
        panic!("context.json must be an object");
    };
    map.iter().map(|(k, v)| (k.clone(), to_value(v))).collect()
}

fn templates() -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(corpus_dir()).unwrap_or_else(|err| panic!("corpus: {err}")) {
        let path = entry.unwrap_or_else(|err| panic!("corpus: {err}")).path();
        if path.extension().is_some_and(|e| e == "tmpl") {
            let name = file_name(&path);
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|err| panic!("cannot read {name}: {err}"));
            out.insert(name, text);
        }
    }
    out
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A readable first difference between two texts.
fn first_difference(ours: &str, theirs: &str) -> String {
    let ours_lines: Vec<&str> = ours.split('\n').collect();
    let theirs_lines: Vec<&str> = theirs.split('\n').collect();
    for (i, (a, b)) in ours_lines.iter().zip(&theirs_lines).enumerate() {
        if a != b {
            return format!("line {}:\n  rcluster: {a:?}\n  python:   {b:?}", i + 1);
        }
    }
    format!(
        "lengths differ: rcluster {} lines, python {} lines",
        ours_lines.len(),
        theirs_lines.len()
    )
}

#[test]
fn corpus_renders_exactly_like_python() {
    let report = python_report();
    let results = &report["results"];
    let ctx = context();
    let templates = templates();
    assert!(
        templates.len() >= 60,
        "the corpus should hold at least 60 templates, found {}",
        templates.len()
    );
    let mut problems = Vec::new();
    let (mut same, mut both_fail, mut diverge) = (0, 0, 0);
    for (name, text) in &templates {
        let py = &results[name.as_str()];
        let py_ok = py["ok"]
            .as_bool()
            .unwrap_or_else(|| panic!("no Python result for {name}"));
        let ours = render(text, &ctx);
        if name.contains("-err-") {
            if py_ok {
                problems.push(format!(
                    "{name}: expected Python to fail, it printed {:?}",
                    py["output"]
                ));
            } else if let Ok(out) = &ours {
                problems.push(format!(
                    "{name}: Python fails ({}), rcluster rendered {out:?}",
                    py["error"]
                ));
            } else {
                both_fail += 1;
            }
            continue;
        }
        if name.contains("-diverge-") {
            if !py_ok {
                problems.push(format!(
                    "{name}: expected Python to succeed: {}",
                    py["error"]
                ));
            } else if let Ok(out) = &ours {
                problems.push(format!(
                    "{name}: expected rcluster to refuse this, it rendered {out:?}"
                ));
            } else {
                diverge += 1;
            }
            continue;
        }
        match (&ours, py_ok) {
            (Ok(out), true) => {
                let theirs = py["output"].as_str().unwrap_or_default();
                if out == theirs {
                    same += 1;
                } else {
                    problems.push(format!(
                        "{name}: output differs, {}",
                        first_difference(out, theirs)
                    ));
                }
            }
            (Err(err), true) => {
                problems.push(format!("{name}: rcluster fails ({err}), Python renders it"))
            }
            (_, false) => problems.push(format!("{name}: Python fails: {}", py["error"])),
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {} templates differ from Python {} / IPython {}:\n{}",
        problems.len(),
        templates.len(),
        report["python"],
        report["ipython"],
        problems.join("\n")
    );
    eprintln!(
        "{same} templates identical, {both_fail} failing in both, {diverge} refused on purpose (Python {}, IPython {})",
        report["python"], report["ipython"]
    );
}

fn slurm_cases() -> Vec<Json> {
    let text = std::fs::read_to_string(corpus_dir().join("slurm_cases.json"))
        .unwrap_or_else(|err| panic!("cannot read slurm_cases.json: {err}"));
    match serde_json::from_str(&text) {
        Ok(Json::Array(cases)) => cases,
        other => panic!("slurm_cases.json must be a list: {other:?}"),
    }
}

/// Grid Engine's built-in templates get ipcluster's lines in ipcluster's order, except the
/// output lines: ipcluster inherits PBS's `#PBS -j oe` / `#PBS -o`, which Grid Engine ignores,
/// and rcluster writes them as `#$` lines.
#[test]
fn grid_engine_insertions_match_ipyparallel_but_for_the_output_lines() {
    let report = python_report();
    let theirs = report["sge"]
        .as_array()
        .unwrap_or_else(|| panic!("no Grid Engine results from Python"));
    let cases = slurm_cases();
    assert_eq!(cases.len(), theirs.len());
    let ctx = context();
    let mut compared = 0;
    for (case, expected) in cases.iter().zip(theirs) {
        // rcluster's jobs always have an output file.
        if case["output_file"].as_bool() == Some(false) {
            continue;
        }
        for (role, default) in [
            ("controller", sge::DEFAULT_CONTROLLER),
            ("engine", sge::DEFAULT_ENGINE),
        ] {
            let ours = sge::insert_default_options(default, case["queue"].as_str());
            let want = expected[role].as_str().unwrap_or_default().replace(
                "#PBS -j oe\n#PBS -o {output_file}",
                "#$ -j y\n#$ -o {output_file}",
            );
            assert_eq!(ours, want, "{role} template for {case}");
            assert!(
                render(&ours, &ctx).is_ok(),
                "{role} template for {case} does not render"
            );
            compared += 1;
        }
    }
    assert!(compared >= 6, "only {compared} cases compared");
}

#[test]
fn default_template_insertions_match_ipyparallel() {
    let report = python_report();
    let theirs = report["slurm"]
        .as_array()
        .unwrap_or_else(|| panic!("no Slurm results from Python"));
    let cases = slurm_cases();
    assert_eq!(cases.len(), theirs.len());
    let ctx = context();
    for (case, expected) in cases.iter().zip(theirs) {
        let options = SlurmOptions {
            queue: case["queue"].as_str(),
            account: case["account"].as_str(),
            qos: case["qos"].as_str(),
            timelimit: case["timelimit"].as_str(),
            output_file: case["output_file"].as_bool().unwrap_or(true),
        };
        for (role, default) in [
            ("controller", slurm::DEFAULT_CONTROLLER),
            ("engine", slurm::DEFAULT_ENGINE),
        ] {
            let ours = slurm::insert_default_options(default, &options);
            let want = expected[role].as_str().unwrap_or_default();
            assert_eq!(ours, want, "{role} template for {case}");
            assert!(
                render(&ours, &ctx).is_ok(),
                "{role} template for {case} does not render"
            );
        }
    }
}

#[test]
fn corpus_holds_the_inserted_default_templates() {
    let templates = templates();
    let full = SlurmOptions {
        queue: Some("gpu"),
        account: Some("proj1"),
        qos: Some("high"),
        timelimit: Some("01:00:00"),
        output_file: true,
    };
    let output_only = SlurmOptions {
        queue: None,
        account: None,
        qos: None,
        timelimit: None,
        output_file: true,
    };
    let find = |suffix: &str| -> &String {
        templates
            .iter()
            .find(|(name, _)| name.ends_with(suffix))
            .map(|(_, text)| text)
            .unwrap_or_else(|| panic!("no corpus template ends with {suffix}"))
    };
    assert_eq!(
        &slurm::insert_default_options(slurm::DEFAULT_CONTROLLER, &full),
        find("-default-controller-inserted-all.tmpl")
    );
    assert_eq!(
        &slurm::insert_default_options(slurm::DEFAULT_ENGINE, &full),
        find("-default-engine-inserted-all.tmpl")
    );
    assert_eq!(
        &slurm::insert_default_options(slurm::DEFAULT_ENGINE, &output_only),
        find("-default-engine-inserted-output-only.tmpl")
    );
    assert_eq!(slurm::DEFAULT_CONTROLLER, find("-default-controller.tmpl"));
    assert_eq!(slurm::DEFAULT_ENGINE, find("-default-engine.tmpl"));
}
