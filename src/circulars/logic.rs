//! Logic on member values, found from Tera's syntax tree.
//!
//! A circular is rendered once per shape (committee, language, role, and which member fields
//! are empty) with placeholders for the member's values. So a template may insert a member
//! value (`{{ member.name }}`) or test whether it is empty (`{% if member.name %}`), and
//! branch on the role (`{% if member.role == "chair" %}`) and the committee, but nothing
//! else: a comparison, filter or loop on a member value would see the placeholder, and every
//! member would get the same branch. This module finds those uses, whatever the values.

use tera::ast::{Expr, ExprVal, FilterSection, Forloop, If, LogicOperator, Node};

use super::tags::{self, Tag};
use crate::members::Role;

/// A use of a member value that rendering cannot honour, at a line of the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Misuse {
    pub line: usize,
    pub reason: String,
}

/// Every misuse of a member value in the template parsed as `ast` from `source`.
pub(super) fn misuses(ast: &[Node], source: &str) -> Vec<Misuse> {
    let mut walker = Walker {
        tags: tags::scan(source),
        next: 0,
        // `__tera_context` is Tera's whole context, the member values with it.
        per_member: vec!["member".into(), "links".into(), "__tera_context".into()],
        global_aliases: Vec::new(),
        filtered: false,
        found: Vec::new(),
    };
    walker.nodes(ast);
    walker.found
}

struct Walker {
    tags: Vec<Tag>,
    /// The next tag, in source order, of the node being walked.
    next: usize,
    /// Variables holding member values: `member`, `links`, and their aliases.
    per_member: Vec<String>,
    /// Aliases made with `set_global`: they outlive the loop that sets them.
    global_aliases: Vec<String>,
    /// Inside `{% filter %}`: even an inserted value is filtered.
    filtered: bool,
    found: Vec<Misuse>,
}

impl Walker {
    /// The line of the next tag.
    fn tag(&mut self) -> usize {
        let line = self
            .tags
            .get(self.next)
            .or(self.tags.last())
            .map_or(1, |t| t.line);
        self.next += 1;
        line
    }

    fn nodes(&mut self, nodes: &[Node]) {
        for node in nodes {
            self.node(node);
        }
    }

    fn node(&mut self, node: &Node) {
        match node {
            Node::Text(_) => {}
            Node::VariableBlock(_, expr) => {
                let line = self.tag();
                self.insert(line, expr);
            }
            Node::If(branches, _) => self.if_node(branches),
            Node::Forloop(_, forloop, _) => self.forloop(forloop),
            Node::Set(_, set) => {
                let line = self.tag();
                self.set(line, &set.key, &set.value, set.global);
            }
            Node::FilterSection(_, section, _) => self.filter_section(section),
            Node::Block(_, block, _) => self.body(&block.body),
            Node::MacroDefinition(_, definition, _) => {
                let line = self.tag();
                for default in definition.args.values().flatten() {
                    self.other(line, default, "used as a default");
                }
                self.nodes(&definition.body);
                self.tag();
            }
            Node::Raw(..) => {
                self.tag();
                self.tag();
            }
            Node::Super
            | Node::Extends(..)
            | Node::Include(..)
            | Node::ImportMacro(..)
            | Node::Break(_)
            | Node::Continue(_)
            | Node::Comment(..) => {
                self.tag();
            }
        }
    }

    fn if_node(&mut self, branches: &If) {
        for (_, condition, body) in &branches.conditions {
            let line = self.tag();
            self.condition(line, condition);
            self.nodes(body);
        }
        if let Some((_, body)) = &branches.otherwise {
            self.tag();
            self.nodes(body);
        }
        self.tag();
    }

    /// A loop's variables hide the member values of the same name in its body.
    fn forloop(&mut self, forloop: &Forloop) {
        let line = self.tag();
        self.other(line, &forloop.container, "looped over");
        let saved = self.per_member.clone();
        self.per_member
            .retain(|v| Some(v) != forloop.key.as_ref() && *v != forloop.value);
        self.nodes(&forloop.body);
        self.per_member = saved;
        self.per_member.extend(self.global_aliases.iter().cloned());
        if let Some(body) = &forloop.empty_body {
            self.tag();
            self.nodes(body);
        }
        self.tag();
    }

    fn filter_section(&mut self, section: &FilterSection) {
        let line = self.tag();
        for arg in section.filter.args.values() {
            self.other(line, arg, "passed to a filter");
        }
        let outer = std::mem::replace(&mut self.filtered, true);
        self.nodes(&section.body);
        self.filtered = outer;
        self.tag();
    }

    /// A block between its opening and closing tags.
    fn body(&mut self, body: &[Node]) {
        self.tag();
        self.nodes(body);
        self.tag();
    }

    fn is_per_member(&self, ident: &str) -> bool {
        let root = ident.split(['.', '[']).next().unwrap_or_default();
        ident != "member.role" && self.per_member.iter().any(|v| v == root)
    }

    /// `{{ expr }}`: a member value may only be inserted as it is.
    fn insert(&mut self, line: usize, expr: &Expr) {
        let plain = matches!(&expr.val, ExprVal::Ident(name)
                if self.is_per_member(name) && !name.starts_with("__tera_context"))
            && expr.filters.is_empty()
            && !expr.negated;
        if plain && self.filtered {
            if let ExprVal::Ident(name) = &expr.val {
                self.refuse(line, name, "filtered by `{% filter %}`");
            }
        } else if !plain {
            self.other(line, expr, "used in an expression");
        }
    }

    /// `{% if expr %}`: a member value may be tested for being empty, alone or with
    /// `and`, `or` and `not`.
    fn condition(&mut self, line: usize, expr: &Expr) {
        if expr.filters.is_empty() {
            match &expr.val {
                ExprVal::Ident(_) => return,
                ExprVal::Logic(logic)
                    if matches!(logic.operator, LogicOperator::And | LogicOperator::Or) =>
                {
                    self.condition(line, &logic.lhs);
                    self.condition(line, &logic.rhs);
                    return;
                }
                _ => {}
            }
        }
        self.other(line, expr, "used in an expression");
    }

    /// `{% set key = value %}`: a plain member value makes `key` one too.
    /// With `set_global` the alias outlives the loop it is set in.
    fn set(&mut self, line: usize, key: &str, value: &Expr, global: bool) {
        self.per_member.retain(|v| v != key);
        match &value.val {
            ExprVal::Ident(name)
                if self.is_per_member(name) && value.filters.is_empty() && !value.negated =>
            {
                self.per_member.push(key.to_string());
                if global {
                    self.global_aliases.push(key.to_string());
                }
            }
            _ => self.other(line, value, "assigned with `set`"),
        }
    }

    /// Any other place: no member value at all, and only known roles.
    fn other(&mut self, line: usize, expr: &Expr, how: &str) {
        if let Some((name, how)) = self.find(expr, how) {
            self.refuse(line, &name, &how);
        }
        let mut unknown = Vec::new();
        unknown_roles(expr, &mut unknown);
        for role in unknown {
            self.found.push(Misuse {
                line,
                reason: format!(
                    "`member.role` is compared with `{role}`, which is not a role (roles: {})",
                    Role::NAMES.join(", ")
                ),
            });
        }
    }

    fn refuse(&mut self, line: usize, name: &str, how: &str) {
        self.found.push(Misuse {
            line,
            reason: format!(
                "`{name}` is {how}: a member value can only be inserted as it is \
                 (`{{{{ member.name }}}}`) or tested for being empty (`{{% if member.name %}}`); \
                 branch on `member.role` or `committee.slug` instead"
            ),
        });
    }

    /// The first member value in `expr` and what is done with it.
    fn find(&self, expr: &Expr, how: &str) -> Option<(String, String)> {
        for filter in &expr.filters {
            let how = format!("passed to the filter `{}`", filter.name);
            if let Some(found) = filter.args.values().find_map(|a| self.find(a, &how)) {
                return Some(found);
            }
        }
        let within = |exprs: &[&Expr], how: String| exprs.iter().find_map(|e| self.find(e, &how));
        match &expr.val {
            ExprVal::Ident(name) if self.is_per_member(name) => {
                let how = match expr.filters.first() {
                    Some(filter) => format!("filtered with `| {}`", filter.name),
                    None => how.to_string(),
                };
                Some((name.clone(), how))
            }
            ExprVal::Math(math) => within(
                &[&math.lhs, &math.rhs],
                format!("used in arithmetic (`{}`)", math.operator),
            ),
            ExprVal::Logic(logic) => {
                let how = match logic.operator {
                    LogicOperator::And | LogicOperator::Or => {
                        format!("combined with `{}`", logic.operator)
                    }
                    op => format!("compared with `{op}`"),
                };
                within(&[&logic.lhs, &logic.rhs], how)
            }
            ExprVal::In(test) => within(&[&test.lhs, &test.rhs], "tested with `in`".into()),
            ExprVal::Test(test) if self.is_per_member(&test.ident) => Some((
                test.ident.clone(),
                format!("tested with `is {}`", test.name),
            )),
            ExprVal::Test(test) => within(
                &test.args.iter().collect::<Vec<_>>(),
                format!("passed to the test `{}`", test.name),
            ),
            ExprVal::FunctionCall(call) => within(
                &call.args.values().collect::<Vec<_>>(),
                format!("passed to the function `{}`", call.name),
            ),
            ExprVal::MacroCall(call) => within(
                &call.args.values().collect::<Vec<_>>(),
                format!("passed to the macro `{}`", call.name),
            ),
            ExprVal::Array(items) => {
                within(&items.iter().collect::<Vec<_>>(), "put in a list".into())
            }
            ExprVal::StringConcat(concat) => concat.values.iter().find_map(|v| match v {
                ExprVal::Ident(name) if self.is_per_member(name) => {
                    Some((name.clone(), "joined with `~`".to_string()))
                }
                _ => None,
            }),
            _ => None,
        }
    }
}

/// The strings `member.role` is compared with (`==`, `!=`, `in [...]`) that are not roles.
fn unknown_roles(expr: &Expr, out: &mut Vec<String>) {
    let is_role = |e: &Expr| matches!(&e.val, ExprVal::Ident(n) if n == "member.role");
    let literal = |e: &Expr| match &e.val {
        ExprVal::String(s) => Some(s.clone()),
        _ => None,
    };
    let mut compared = Vec::new();
    match &expr.val {
        ExprVal::Logic(l) if matches!(l.operator, LogicOperator::Eq | LogicOperator::NotEq) => {
            if is_role(&l.lhs) {
                compared.extend(literal(&l.rhs));
            } else if is_role(&l.rhs) {
                compared.extend(literal(&l.lhs));
            }
        }
        ExprVal::In(test) if is_role(&test.lhs) => {
            if let ExprVal::Array(items) = &test.rhs.val {
                compared.extend(items.iter().filter_map(literal));
            }
        }
        _ => {}
    }
    out.extend(
        compared
            .into_iter()
            .filter(|r| !Role::NAMES.contains(&r.as_str())),
    );
    for child in children(expr) {
        unknown_roles(child, out);
    }
}

/// The expressions directly inside `expr`.
fn children(expr: &Expr) -> Vec<&Expr> {
    let mut all: Vec<&Expr> = expr.filters.iter().flat_map(|f| f.args.values()).collect();
    match &expr.val {
        ExprVal::Math(m) => all.extend([&*m.lhs, &*m.rhs]),
        ExprVal::Logic(l) => all.extend([&*l.lhs, &*l.rhs]),
        ExprVal::In(i) => all.extend([&*i.lhs, &*i.rhs]),
        ExprVal::Test(t) => all.extend(&t.args),
        ExprVal::FunctionCall(f) => all.extend(f.args.values()),
        ExprVal::MacroCall(m) => all.extend(m.args.values()),
        ExprVal::Array(items) => all.extend(items),
        _ => {}
    }
    all
}
