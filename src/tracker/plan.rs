//! A session's plan: OpenCode's todo list, bounded, with its progress counted over the
//! whole list.

use super::limits;
use crate::{opencode::event::TodoInfo, protocol::TodoItem};

/// The plan as the tracker keeps it: the first [`limits::TODOS`] items, clipped, and the
/// progress of all of them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub items: Vec<TodoItem>,
    /// Items `completed`.
    pub done: u64,
    /// Items not `cancelled`.
    pub total: u64,
}

impl Plan {
    /// The plan a `todo.updated` list describes (it replaces the whole plan).
    pub fn from_todos(todos: &[TodoInfo]) -> Self {
        let count = |keep: fn(&str) -> bool| {
            todos.iter().filter(|t| keep(&t.status)).count().try_into().unwrap_or(u64::MAX)
        };
        Plan {
            items: todos
                .iter()
                .take(limits::TODOS)
                .map(|t| TodoItem {
                    content: limits::clip(&t.content, limits::TODO),
                    status: limits::clip(&t.status, limits::TODO_WORD),
                    priority: limits::clip(&t.priority, limits::TODO_WORD),
                })
                .collect(),
            done: count(|s| s == "completed"),
            total: count(|s| s != "cancelled"),
        }
    }
}

#[cfg(test)]
mod tests {
    //! Bounds and progress.
    use super::*;

    fn todo(content: &str, status: &str) -> TodoInfo {
        TodoInfo { content: content.into(), status: status.into(), priority: "high".into() }
    }

    #[test]
    fn progress_counts_done_over_not_cancelled() {
        let plan = Plan::from_todos(&[
            todo("a", "completed"),
            todo("b", "in_progress"),
            todo("c", "cancelled"),
            todo("d", "pending"),
        ]);
        assert_eq!((plan.done, plan.total, plan.items.len()), (1, 3, 4));
        assert_eq!(plan.items[2].status, "cancelled");
    }

    #[test]
    fn long_plans_are_cut_but_counted_whole() {
        let many: Vec<TodoInfo> = (0..80)
            .map(|i| todo(&"x".repeat(i * 10), if i < 60 { "completed" } else { "pending" }))
            .collect();
        let plan = Plan::from_todos(&many);
        assert_eq!(plan.items.len(), limits::TODOS);
        assert_eq!((plan.done, plan.total), (60, 80));
        assert!(plan.items.iter().all(|i| i.content.chars().count() <= limits::TODO));
        assert!(plan.items[49].content.ends_with('…'));
        let odd = Plan::from_todos(&[todo("a", &"s".repeat(500))]);
        assert_eq!(odd.items[0].status.chars().count(), limits::TODO_WORD);
    }
}
