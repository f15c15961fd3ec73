//! Fuzzes `rcluster::template::render`: it must never panic, loop forever or exhaust memory,
//! whatever the template. Run with `cargo fuzz run template_render` from the repository root
//! (needs `cargo install cargo-fuzz` and a nightly toolchain).

#![no_main]

use libfuzzer_sys::fuzz_target;
use rcluster::template::{Context, Value, render};

fn context() -> Context {
    let mut ctx = Context::new();
    ctx.insert("n".into(), Value::Int(10));
    ctx.insert("big".into(), Value::Int(i64::MAX));
    ctx.insert("x".into(), Value::Float(2.5));
    ctx.insert("s".into(), Value::from("Hello, World"));
    ctx.insert("u".into(), Value::from("héllo ☃"));
    ctx.insert("t".into(), Value::Bool(true));
    ctx.insert("none".into(), Value::None);
    ctx.insert(
        "l".into(),
        Value::List(vec![Value::Int(1), Value::from("a"), Value::Float(-0.0)]),
    );
    ctx
}

fuzz_target!(|data: &[u8]| {
    if let Ok(template) = std::str::from_utf8(data) {
        if let Err(err) = render(template, &context()) {
            assert!(err.line >= 1 && err.column >= 1);
        }
    }
});
