/* test_virt.c - libvirt domains as workloads: the XML, cordon's metadata,
 * and libvirt's test driver (its default host and a host of ours). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy/state.h"
#include "test.h"
#include "inventory/virt.h"
#include "inventory/virturi.h"

static const char dom[] =
	"<domain type='kvm'><name>web-1</name><uuid>aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee</uuid>"
	"<metadata><c:workload xmlns:c='https://cordon.dev/xmlns/workload/1'>"
	"<c:tag> app=shop </c:tag><c:ip>10.0.0.7</c:ip><c:ip dev='vnet9'>10.0.9.9</c:ip>"
	"</c:workload><other:x xmlns:other='urn:x'><c:tag>ignored</c:tag></other:x></metadata>"
	"<devices><interface type='bridge'><mac address='52:54:00:00:00:07'/><target dev='vnet7'/></interface>"
	"<interface type='bridge'><mac address='52:54:00:00:00:09'/><target dev='vnet9'/></interface>"
	"<interface type='user'><mac address='52:54:00:00:00:10'/></interface></devices></domain>";

TEST(virt_domain_xml_to_workload)
{
	json_t *w;
	struct cd_buf err;
	cd_buf_init(&err, 1024);
	ASSERT_EQ(cd_virt_domain(dom, strlen(dom), "kvm-3", &w, &err), 0);
	char *s = json_dumps(w, JSON_COMPACT);
	ASSERT_STR_EQ(s, "{\"name\":\"web-1\",\"id\":\"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee\",\"host\":\"kvm-3\","
		      "\"tags\":[\"app=shop\"],\"vnics\":[{\"ifname\":\"vnet7\",\"mac\":\"52:54:00:00:00:07\","
		      "\"ips\":[\"10.0.0.7\"]},{\"ifname\":\"vnet9\",\"mac\":\"52:54:00:00:00:09\",\"ips\":[\"10.0.9.9\"]}]}");
	free(s);
	json_decref(w);
	/* not a domain, not XML, an entity that must not be expanded */
	ASSERT(cd_virt_domain("<network/>", 10, "h", &w, &err) < 0);
	ASSERT(cd_virt_domain("<<<", 3, "h", &w, &err) < 0);
	ASSERT(cd_virt_domain("<domain><uuid>x</uuid></domain>", 31, "h", &w, &err) < 0);
	static const char xxe[] = "<?xml version='1.0'?><!DOCTYPE d [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>"
				  "<domain><name>&e;x</name></domain>";
	if (cd_virt_domain(xxe, strlen(xxe), "h", &w, &err) == 0) {
		ASSERT(!strstr(json_string_value(json_object_get(w, "name")), "root"));
		json_decref(w);
	}
	cd_buf_free(&err);
}

/* The connector's whole first view of uri. */
static int list(const char *uri, json_t **out, struct cd_buf *err)
{
	json_t *cfg = json_pack("{s:s}", "uri", uri);
	void *h;
	int r = cd_virt_ops.open(cfg, &h, err);
	json_decref(cfg);
	if (r < 0)
		return r;
	r = cd_virt_ops.poll(h, 0, out, err);
	cd_virt_ops.close(h);
	return r == 1 ? 0 : -EIO;
}

TEST(virt_test_driver_hosts)
{
	json_t *a;
	struct cd_buf err;
	cd_buf_init(&err, 1024);
	ASSERT_EQ(list("test:///default", &a, &err), 0);
	ASSERT_EQ(json_array_size(a), 1u);
	json_t *w = json_array_get(a, 0);
	ASSERT_STR_EQ(json_string_value(json_object_get(w, "name")), "test");
	ASSERT_STR_EQ(json_string_value(json_object_get(w, "id")), "6695eb01-f6a4-8304-79aa-97f2502e193f");
	ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(json_object_get(w, "vnics"), 0), "ifname")),
		      "testnet0");
	json_decref(a);
	/* a host of ours: its workloads load as an inventory */
	char cwd[4096];
	ASSERT(getcwd(cwd, sizeof(cwd)) != NULL);
	char *uri = cd_asprintf("test://%s/tests/virt/node.xml", cwd);
	ASSERT_EQ(list(uri, &a, &err), 0);
	ASSERT_EQ(json_array_size(a), 2u);
	json_t *v = NULL, *x;
	size_t k;
	json_array_foreach(a, k, x)
		if (!strcmp(json_string_value(json_object_get(x, "name")), "vdi-101"))
			v = x;
	ASSERT(v != NULL);
	ASSERT_EQ(json_array_size(json_object_get(v, "tags")), 2u);
	json_t *vn = json_array_get(json_object_get(v, "vnics"), 0);
	ASSERT_STR_EQ(json_string_value(json_object_get(vn, "mac")), "52:54:00:01:01:01");
	ASSERT_EQ(json_array_size(json_object_get(vn, "ips")), 2u);
	/* one workload at a time loads as an inventory */
	json_t *doc = json_pack("{s:[O]}", "workloads", v);
	char *text = json_dumps(doc, 0);
	struct cd_state st;
	memset(&st, 0, sizeof(st));
	struct cd_diags d;
	cd_diags_init(&d);
	ASSERT_EQ(cd_state_parse(&st, "libvirt", text, strlen(text), "p", "{}", 2, &d), 0);
	ASSERT_EQ(st.inv.w[0].vnics[0].nips, 2u);
	cd_state_free(&st);
	cd_diags_free(&d);
	free(text);
	json_decref(doc);
	json_decref(a);
	free(uri);
	/* an unreachable host says so */
	cd_buf_reset(&err);
	ASSERT(list("test:///nonexistent/file.xml", &a, &err) < 0);
	ASSERT_CONTAINS(err.data, "cannot connect");
	cd_buf_free(&err);
}

TEST(virt_uri_transports_and_parameters)
{
	static const char *const ok[] = {
		"qemu:///system", "qemu+ssh://root@hv1/system?keyfile=/k&no_verify=1",
		"qemu+tls://hv1.example:16514/system", "test:///default", "test+unix:///default",
		"lxc:///", "qemu+tcp://10.0.0.1/system?mode=direct",
	};
	static const char *const bad[] = {
		"test+ext:///default?command=/tmp/x", "qemu+ssh://hv1/system?command=/tmp/x",
		"qemu+ssh://hv1/system?netcat=/tmp/x", "qemu+ext:///system", "esx://hv1/",
		"qemu+ssh://root:secret@hv1/system", "qemu:///system?colour=1", "nonsense",
		"qemu:///system\n", "", "qemu+ssh://hv1/system?keyfile=/k&command=x",
	};
	struct cd_buf why;
	cd_buf_init(&why, 512);
	for (size_t i = 0; i < CD_ARRAY_LEN(ok); i++) {
		cd_buf_reset(&why);
		if (cd_virt_uri_check(ok[i], &why) != 0)
			test_fail(__FILE__, __LINE__, "%s refused: %s", ok[i], why.data);
	}
	for (size_t i = 0; i < CD_ARRAY_LEN(bad); i++)
		if (cd_virt_uri_check(bad[i], &why) != -EINVAL)
			test_fail(__FILE__, __LINE__, "%s accepted", bad[i]);
	cd_buf_free(&why);
}
