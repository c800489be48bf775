/* test_sel.c - the selector language: syntax, errors, evaluation. */
#include <stdlib.h>

#include "helpers.h"
#include "policy/sel.h"
#include "test.h"

static char *fmt(const char *text)
{
	struct cd_diags d;
	struct cd_sel *s;
	struct cd_buf b;
	cd_diags_init(&d);
	cd_buf_init(&b, 1 << 16);
	if (cd_sel_parse(text, (struct cd_loc){ "f", 1, 1 }, &s, &d) < 0) {
		cd_buf_printf(&b, "error %d:%d: %s", d.v[0].loc.line, d.v[0].loc.col,
			      d.v[0].msg);
	} else {
		cd_sel_fmt(s, &b);
		cd_sel_free(s);
	}
	cd_diags_free(&d);
	return cd_buf_steal(&b);
}

#define FMT_IS(text, want)                 \
	do {                               \
		char *got_ = fmt(text);    \
		ASSERT_STR_EQ(got_, want); \
		free(got_);                \
	} while (0)

TEST(sel_precedence_and_case)
{
	FMT_IS("tag == \"A\" or tag == \"b\" and name =~ \"X*\"",
	       "tag == \"a\" or tag == \"b\" and name =~ \"x*\"");
	FMT_IS("(tag == 'a' OR host != \"h\") AND NOT os !~ \"win*\"",
	       "(tag == \"a\" or host != \"h\") and not os !~ \"win*\"");
	FMT_IS("a == \"1\"", "error 1:1: unknown field 'a' (expected tag, name, host, os, source or group)");
	FMT_IS("not (tag == \"a\" and (tag == \"b\" or tag == \"c\"))",
	       "not (tag == \"a\" and (tag == \"b\" or tag == \"c\"))");
	FMT_IS("tag == \"a\" or (tag == \"b\" or tag == \"c\")",
	       "tag == \"a\" or (tag == \"b\" or tag == \"c\")");
	FMT_IS("not not group == \"g\"", "not not group == \"g\"");
	FMT_IS("source==\"lab\"", "source == \"lab\"");
	FMT_IS("name == \"say \\\"hi\\\"\"", "name == \"say \\\"hi\\\"\"");
}

TEST(sel_syntax_errors_are_located)
{
	FMT_IS("tag = \"a\"", "error 1:5: unknown operator starting with '=' (expected ==, !=, =~ or !~)");
	FMT_IS("colour == \"red\"", "error 1:1: unknown field 'colour' (expected tag, name, host, os, source or group)");
	FMT_IS("tag == \"a", "error 1:8: unterminated string in selector");
	FMT_IS("tag == \"a\" and", "error 1:15: expected a condition such as tag == \"x\", 'not' or '(', found end of selector");
	FMT_IS("(tag == \"a\"", "error 1:12: expected ')', found end of selector");
	FMT_IS("tag == \"a\" tag == \"b\"", "error 1:12: expected 'and', 'or' or the end of the selector, found a field name");
	FMT_IS("tag == name", "error 1:8: expected a quoted string after the operator, found a field name");
	FMT_IS("", "error 1:1: empty selector (leave 'match' out for a group of include only)");
	FMT_IS("tag == \"a\" & x", "error 1:12: unexpected character '&' in selector");
}

TEST(sel_depth_limit)
{
	char buf[1024];
	size_t n = 0;
	for (int i = 0; i < 100; i++)
		buf[n++] = '(';
	buf[n] = 0;
	char *got = fmt(buf);
	ASSERT_CONTAINS(got, "nested more than");
	free(got);
}

static const char inv[] =
	"workloads:\n"
	"  - {name: Web-01, host: HV1, os: Ubuntu, source: lab, tags: [App=Web, env=prod]}\n"
	"  - {name: web-02, host: hv2, os: windows, tags: [app=web, env=dev]}\n"
	"  - {name: db-01, host: hv1, tags: [app=db, env=prod]}\n";

static char *groups_of(const char *match)
{
	struct cd_state st;
	char *pol = cd_asprintf("groups:\n  - name: g\n    match: '%s'\n", match);
	char *err;
	struct cd_buf b;
	cd_buf_init(&b, 4096);
	if (load_world(&st, inv, pol, &err) < 0) {
		cd_buf_printf(&b, "error: %s", err);
	} else {
		size_t n;
		const char **names = cd_members_names(&st.mem, 0, &n);
		for (size_t i = 0; i < n; i++)
			cd_buf_printf(&b, "%s%s", i ? " " : "", names[i]);
		free(names);
	}
	free(err);
	free(pol);
	cd_state_free(&st);
	return cd_buf_steal(&b);
}

#define MEMBERS_ARE(match, want)                  \
	do {                                      \
		char *got_ = groups_of(match);    \
		ASSERT_STR_EQ(got_, want);        \
		free(got_);                       \
	} while (0)

TEST(sel_eval_fields_case_insensitive)
{
	MEMBERS_ARE("tag == \"app=web\"", "Web-01 web-02");
	MEMBERS_ARE("tag == \"APP=WEB\" and host == \"hv1\"", "Web-01");
	MEMBERS_ARE("tag != \"env=prod\"", "web-02");
	MEMBERS_ARE("tag =~ \"env=*\"", "Web-01 db-01 web-02");
	MEMBERS_ARE("tag !~ \"app=w*\"", "db-01");
	MEMBERS_ARE("name =~ \"web-0[12]\"", "Web-01 web-02");
	MEMBERS_ARE("name =~ \"web\"", "");              /* whole value */
	MEMBERS_ARE("name =~ \"?eb-*\" and not os == \"windows\"", "Web-01");
	MEMBERS_ARE("os == \"\"", "db-01");               /* absent is empty */
	MEMBERS_ARE("source == \"LAB\"", "Web-01");
	MEMBERS_ARE("os =~ \"*\"", "Web-01 db-01 web-02");
}
