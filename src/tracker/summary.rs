//! One-line human summaries of tools and permission requests (`bash: npm test`).

use crate::{opencode::event::PermissionInfo, text::one_line};
use serde_json::Value;

use super::limits::SUMMARY as MAX_SUMMARY;

/// `name: detail` for a running tool, e.g. `bash: npm test`.
pub fn tool(name: &str, input: &Value) -> String {
    let s = |k: &str| input.get(k).and_then(Value::as_str).unwrap_or_default();
    let detail = match name {
        // OpenCode 2 renamed `bash` to `shell` and `task` to `subagent`.
        "bash" | "shell" => s("command").to_owned(),
        "read" | "edit" | "write" | "patch" | "multiedit" => s("filePath").to_owned(),
        "glob" | "grep" => s("pattern").to_owned(),
        "webfetch" => s("url").to_owned(),
        "task" | "subagent" => {
            match (s("description"), [s("subagent_type"), s("agent")].concat()) {
                (d, agent) if agent.is_empty() => d.to_owned(),
                (d, agent) => format!("{d} (@{agent})"),
            }
        }
        "skill" => s("name").to_owned(),
        _ => String::new(),
    };
    join(name, &detail)
}

/// `key: what` for a permission request, e.g. `bash: rm -rf build`.
pub fn permission(p: &PermissionInfo) -> String {
    let meta = |k: &str| p.metadata.get(k).and_then(Value::as_str).unwrap_or_default();
    let detail = match p.permission.as_str() {
        "bash" | "shell" if !meta("command").is_empty() => meta("command").to_owned(),
        "edit" | "write" | "read" if !meta("filepath").is_empty() => meta("filepath").to_owned(),
        _ if !p.patterns.is_empty() => p.patterns.join(", "),
        _ => p.title.clone().unwrap_or_default(),
    };
    join(&p.permission, &detail)
}

fn join(name: &str, detail: &str) -> String {
    let text = if detail.trim().is_empty() { name.to_owned() } else { format!("{name}: {detail}") };
    one_line(&text, MAX_SUMMARY)
}

#[cfg(test)]
mod tests {
    //! Summary wording.
    use super::*;
    use serde_json::json;

    #[test]
    fn tool_summaries() {
        assert_eq!(
            tool("bash", &json!({"command": "npm test\n  --watch"})),
            "bash: npm test --watch"
        );
        assert_eq!(
            tool("task", &json!({"description": "sub job", "subagent_type": "general"})),
            "task: sub job (@general)"
        );
        assert_eq!(tool("todowrite", &json!({})), "todowrite");
    }

    #[test]
    fn permission_titles() {
        let p = PermissionInfo {
            permission: "bash".into(),
            patterns: vec!["rm -rf build".into()],
            metadata: json!({"command": "rm -rf build"}),
            ..Default::default()
        };
        assert_eq!(permission(&p), "bash: rm -rf build");
        let p = PermissionInfo {
            permission: "external_directory".into(),
            patterns: vec!["/etc/*".into(), "/tmp/*".into()],
            ..Default::default()
        };
        assert_eq!(permission(&p), "external_directory: /etc/*, /tmp/*");
    }
}
