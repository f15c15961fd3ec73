//! Carrying settings into an existing `rcluster.toml`: each key is set in place, so the file's
//! comments, layout and other keys stay as they were.

use std::path::Path;

use anyhow::Result;

use super::Setting;
use crate::error::Failure;
use crate::settings::ProfileConfig;

/// Sets each key in `rcluster.toml`'s text, keeping everything else (comments included), and
/// checks that the result is valid settings.
pub fn merge(old: &str, settings: &[Setting], path: &Path) -> Result<String> {
    let mut doc: toml_edit::DocumentMut = old.parse().map_err(|err: toml_edit::TomlError| {
        Failure::error(format!(
            "`{}` is not valid TOML: {}",
            path.display(),
            err.message()
        ))
        .hint("fix it (or move it away) and import again")
    })?;
    for setting in settings {
        if !doc.contains_key(setting.table) {
            // Comments at the end of the file belong to the last table: keep them above the
            // new one instead of under it.
            let trailing = doc.trailing().as_str().unwrap_or("").to_string();
            doc.set_trailing("");
            let mut table = toml_edit::Table::new();
            let sep = if trailing.is_empty() || trailing.ends_with("\n\n") {
                ""
            } else {
                "\n"
            };
            if !old.trim().is_empty() || !trailing.is_empty() {
                table.decor_mut().set_prefix(format!("{trailing}{sep}"));
            }
            doc.insert(setting.table, toml_edit::Item::Table(table));
        }
        let table = doc
            .entry(setting.table)
            .or_insert_with(toml_edit::table)
            .as_table_like_mut()
            .ok_or_else(|| {
                Failure::error(format!(
                    "`{}`: `{}` is not a table",
                    path.display(),
                    setting.table
                ))
            })?;
        let mut value = setting.value.to_edit();
        if let Some(old) = table.get(setting.key).and_then(|item| item.as_value()) {
            // Keep the comment after the old value.
            *value.decor_mut() = old.decor().clone();
        }
        table.insert(setting.key, toml_edit::Item::Value(value));
    }
    let text = doc.to_string();
    ProfileConfig::parse(&text, path)?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::super::Import;
    use super::*;

    #[test]
    fn merge_keeps_comments_and_other_keys() {
        let old = "# top comment\n[engines]\nlauncher = \"local\"  # why\nn = 2\n";
        let dir = std::env::temp_dir();
        let settings = Import::from_config(
            "c.Cluster.engine_launcher_class = 'MPI'\nc.SlurmLauncher.account = 'x'\n",
            &dir,
            &dir,
        )
        .settings;
        let merged = merge(old, &settings, Path::new("rcluster.toml")).unwrap();
        assert!(
            merged.starts_with("# top comment\n[engines]\nlauncher = \"mpi\"  # why\nn = 2\n"),
            "{merged}"
        );
        assert!(merged.contains("[slurm]\naccount = \"x\"\n"), "{merged}");
    }
}
