/* test_docedit.c - a policy document's text changed in place
 * (policy/docedit.h): items appended to a top-level list keep the text
 * around byte for byte, at the list's own indentation, before the
 * comments that lead to the next key; an absent or empty list is made; a
 * document or list in flow style is refused with its place; a staged
 * rule's mode is set whatever its quoting, and an unknown id is named. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "policy/docedit.h"
#include "test.h"

static char *append(const char *doc, const char *key, const char *items, int *r)
{
	struct cd_diags d;
	cd_diags_init(&d);
	char *out = NULL;
	*r = cd_doc_append("p.yaml", doc, strlen(doc), key, items, &out, &d);
	if (*r < 0 && d.n)
		out = cd_strdup(d.v[0].msg);
	cd_diags_free(&d);
	return out;
}

TEST(docedit_appends_in_place)
{
	int r;
	const char *doc = "default_action: drop  # keep me\n"
			  "rules:\n"
			  "    - {id: 1, action: allow}\n"
			  "    - id: 2\n"
			  "      action: drop\n"
			  "\n"
			  "# the settings\n"
			  "antimalware: {action: report}\n";
	char *out = append(doc, "rules", "# new\n- id: 3\n  action: allow\n", &r);
	ASSERT_EQ(r, 0);
	ASSERT_STR_EQ(out, "default_action: drop  # keep me\n"
			   "rules:\n"
			   "    - {id: 1, action: allow}\n"
			   "    - id: 2\n"
			   "      action: drop\n"
			   "    # new\n"
			   "    - id: 3\n"
			   "      action: allow\n"
			   "\n"
			   "# the settings\n"
			   "antimalware: {action: report}\n");
	free(out);
	/* an indentless list at the end of a text with no last newline */
	out = append("rules:\n- id: 1\n  action: allow", "rules", "- id: 2\n  action: drop\n", &r);
	ASSERT_EQ(r, 0);
	ASSERT_STR_EQ(out, "rules:\n- id: 1\n  action: allow\n- id: 2\n  action: drop\n");
	free(out);
	/* absent, empty, and "[]" */
	out = append("default_action: allow", "groups", "- name: g\n", &r);
	ASSERT_EQ(r, 0);
	ASSERT_STR_EQ(out, "default_action: allow\ngroups:\n  - name: g\n");
	free(out);
	out = append("groups:\nrules: []\n", "groups", "- name: g\n", &r);
	ASSERT_EQ(r, 0);
	ASSERT_STR_EQ(out, "groups:\n  - name: g\nrules: []\n");
	free(out);
	out = append("rules: [] # none yet\ngroups: []\n", "rules", "- id: 1\n", &r);
	ASSERT_EQ(r, 0);
	ASSERT_STR_EQ(out, "rules:  # none yet\n  - id: 1\ngroups: []\n");
	free(out);
}

TEST(docedit_refuses_flow_style_with_its_place)
{
	int r;
	char *out = append("{\"rules\": []}", "rules", "- id: 1\n", &r);
	ASSERT_EQ(r, -ENOTSUP);
	ASSERT_CONTAINS(out, "flow style");
	free(out);
	out = append("default_action: drop\nrules: [{id: 1, action: allow}]\n", "rules", "- id: 2\n", &r);
	ASSERT_EQ(r, -ENOTSUP);
	ASSERT_CONTAINS(out, "'rules' is a list in flow style");
	free(out);
	out = append("rules: 3\n", "rules", "- id: 2\n", &r);
	ASSERT_EQ(r, -EINVAL);
	ASSERT_CONTAINS(out, "must be a list");
	free(out);
	out = append("rules: [\n", "rules", "- id: 2\n", &r);   /* not YAML */
	ASSERT_EQ(r, -EINVAL);
	free(out);
}

TEST(docedit_sets_a_staged_rules_mode)
{
	const char *doc = "rules:\n"
			  "  - {id: 1, action: allow, mode: staged}\n"
			  "  - id: 2   # é, a wide character before\n"
			  "    name: \"é\"\n"
			  "    mode: \"staged\"\n"
			  "  - {id: 3, action: drop}\n"
			  "  - {id: 4, action: drop, mode: staged}\n";
	struct cd_diags d;
	cd_diags_init(&d);
	int64_t ids[] = { 2, 1, 3 };
	char *out = NULL;
	size_t n = 9;
	ASSERT_EQ(cd_doc_set_mode("p.yaml", doc, strlen(doc), ids, 3, "staged", "enforced", &out, &n,
				  &d), 0);
	ASSERT_EQ(n, 2);
	ASSERT_STR_EQ(out, "rules:\n"
			   "  - {id: 1, action: allow, mode: enforced}\n"
			   "  - id: 2   # é, a wide character before\n"
			   "    name: \"é\"\n"
			   "    mode: enforced\n"
			   "  - {id: 3, action: drop}\n"
			   "  - {id: 4, action: drop, mode: staged}\n");
	free(out);
	int64_t bad[] = { 4, 77 };
	out = NULL;
	ASSERT_EQ(cd_doc_set_mode("p.yaml", doc, strlen(doc), bad, 2, "staged", "enforced", &out, &n,
				  &d), -ENOENT);
	ASSERT(out == NULL);
	ASSERT_EQ(d.n, 1);
	ASSERT_CONTAINS(d.v[0].msg, "no rule has id 77");
	cd_diags_free(&d);
}

TEST(docedit_review_cases)
{
	int r;
	/* a literal block scalar ending the list keeps its '#' lines */
	char *out = append("rules:\n  - id: 1\n    name: |\n      text\n      # not a comment\n\n# lead\nx: 1\n",
			   "rules", "- id: 2\n", &r);
	ASSERT_EQ(r, 0);
	ASSERT_STR_EQ(out, "rules:\n  - id: 1\n    name: |\n      text\n      # not a comment\n  - id: 2\n\n# lead\nx: 1\n");
	free(out);
	/* a byte order mark; CR LF line ends */
	out = append("\xef\xbb\xbfrules:\r\n  - id: 1\r\n", "rules", "- id: 2\n", &r);
	ASSERT_EQ(r, 0);
	ASSERT_STR_EQ(out, "\xef\xbb\xbfrules:\r\n  - id: 1\r\n  - id: 2\n");
	free(out);
	/* lines broken by a lone CR or by LS: refused, not misplaced */
	out = append("rules:\r  - id: 1\r", "rules", "- id: 2\n", &r);
	ASSERT_EQ(r, -ENOTSUP);
	free(out);
	/* a comment right after "[]" stays one (found by fuzz_docedit) */
	out = append("rules: []#2 x:  #y\n", "rules", "- id: 2\n", &r);
	ASSERT_EQ(r, 0);
	ASSERT_STR_EQ(out, "rules: #2 x:  #y\n  - id: 2\n");
	free(out);
	struct cd_diags d;
	cd_diags_init(&d);
	const char *ls = "rules:\n  - id: 1  # x\xe2\x80\xa8    mode: staged\n  - {id: 3, mode: staged}\n";
	int64_t one[] = { 1 };
	size_t n = 0;
	out = NULL;
	ASSERT_EQ(cd_doc_set_mode("p.yaml", ls, strlen(ls), one, 1, "staged", "enforced", &out, &n, &d),
		  -ENOTSUP);
	ASSERT(out == NULL);
	/* an id asked twice; a mode written in capitals */
	const char *doc = "rules:\n  - {id: 5, mode: Staged}\n  - {id: 6, mode: staged}\n";
	int64_t twice[] = { 5, 5, 6 };
	ASSERT_EQ(cd_doc_set_mode("p.yaml", doc, strlen(doc), twice, 3, "staged", "enforced", &out, &n,
				  &d), 0);
	ASSERT_EQ(n, 2);
	ASSERT_STR_EQ(out, "rules:\n  - {id: 5, mode: enforced}\n  - {id: 6, mode: enforced}\n");
	free(out);
	cd_diags_free(&d);
}
