/* test_vsphere.c - the vSphere connector's parsing, without a server:
 * a property collector's update sets (tests/vsphere/enter.xml is a real
 * one from govmomi's simulator) applied to the object map, and the
 * workloads made of it. */
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "inventory/vsphere.h"

static const char env_open[] =
	"<?xml version=\"1.0\"?><soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" "
	"xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body>"
	"<WaitForUpdatesExResponse xmlns=\"urn:vim25\"><returnval><version>%s</version>"
	"<filterSet><filter type=\"PropertyFilter\">f</filter>%s</filterSet>%s</returnval>"
	"</WaitForUpdatesExResponse></soapenv:Body></soapenv:Envelope>";

static int apply(json_t *objs, const char *version, const char *sets, const char *extra,
		 char **ver, bool *trunc)
{
	char *x = cd_asprintf(env_open, version, sets, extra);
	struct cd_buf err;
	cd_buf_init(&err, 1024);
	int r = cd_vsphere_apply(objs, x, strlen(x), ver, trunc, &err);
	cd_buf_free(&err);
	free(x);
	return r;
}

static json_t *find(json_t *ws, const char *name)
{
	json_t *w;
	size_t i;
	json_array_foreach(ws, i, w)
		if (!strcmp(json_string_value(json_object_get(w, "name")), name))
			return w;
	return NULL;
}

TEST(vsphere_update_sets_to_workloads)
{
	char *xml = NULL, *ver = NULL;
	size_t len;
	bool trunc;
	ASSERT_EQ(cd_read_file("tests/vsphere/enter.xml", 1 << 20, &xml, &len), 0);
	json_t *objs = json_object();
	struct cd_buf err;
	cd_buf_init(&err, 1024);
	ASSERT_EQ(cd_vsphere_apply(objs, xml, len, &ver, &trunc, &err), 1);
	ASSERT_STR_EQ(ver, "-");
	ASSERT(!trunc);
	json_t *tags = json_pack("{s:[s, s]}", "vm-65", "env=prod", "role=web");
	json_t *ws = cd_vsphere_workloads(objs, tags, "https://vc1/sdk");
	ASSERT_EQ(json_array_size(ws), 3);
	json_t *w = find(ws, "web-1");
	ASSERT(w);
	ASSERT_STR_EQ(json_string_value(json_object_get(w, "id")), "a0d63f31-7589-54de-b807-765653e747bb");
	ASSERT_STR_EQ(json_string_value(json_object_get(w, "host")), "DC0_C0_H0");
	json_t *vn = json_array_get(json_object_get(w, "vnics"), 0);
	ASSERT_STR_EQ(json_string_value(json_array_get(json_object_get(vn, "ips"), 0)), "10.9.0.5");
	const char *ifn = json_string_value(json_object_get(vn, "ifname"));
	ASSERT(strlen(ifn) <= 15 && ifn[0] == 'v' && strstr(ifn, "a0d63f-0"));
	ASSERT_EQ(json_array_size(json_object_get(w, "tags")), 2);
	/* another server: other vNIC names for the same ids */
	json_t *ws2 = cd_vsphere_workloads(objs, tags, "https://vc2/sdk");
	ASSERT(strcmp(ifn, json_string_value(json_object_get(json_array_get(json_object_get(find(ws2, "web-1"),
						   "vnics"), 0), "ifname"))));
	json_decref(ws2);
	json_decref(ws);

	/* a guest address changes, a VM leaves, quarantine is recorded; more waits */
	static const char sets[] =
		"<objectSet><kind>modify</kind><obj type=\"VirtualMachine\">vm-65</obj>"
		"<changeSet><name>guest.net</name><op>assign</op><val xsi:type=\"ArrayOfGuestNicInfo\">"
		"<GuestNicInfo><macAddress>%s</macAddress><ipAddress>10.9.0.6</ipAddress>"
		"<ipAddress>fe80::1</ipAddress><ipAddress>fd00::6</ipAddress></GuestNicInfo></val></changeSet>"
		"<changeSet><name>config.extraConfig</name><op>assign</op><val xsi:type=\"ArrayOfOptionValue\">"
		"<OptionValue><key>cordon.quarantine.from</key><value xsi:type=\"xsd:string\">{\"4000\": \"&lt;backing/&gt;\"}"
		"</value></OptionValue></val></changeSet></objectSet>"
		"<objectSet><kind>leave</kind><obj type=\"VirtualMachine\">vm-59</obj></objectSet>";
	const char *mac = json_string_value(json_object_get(
		json_array_get(json_object_get(json_object_get(objs, "vm-65"), "nics"), 0), "mac"));
	char *s = cd_asprintf(sets, mac);
	ASSERT_EQ(apply(objs, "2", s, "<truncated>true</truncated>", &ver, &trunc), 1);
	free(s);
	ASSERT_STR_EQ(ver, "2");
	ASSERT(trunc);
	ws = cd_vsphere_workloads(objs, tags, "https://vc1/sdk");
	ASSERT_EQ(json_array_size(ws), 2);
	ASSERT(!find(ws, "DC0_H0_VM0"));
	json_t *ips = json_object_get(json_array_get(json_object_get(find(ws, "web-1"), "vnics"), 0), "ips");
	ASSERT_EQ(json_array_size(ips), 2);        /* link-local left out */
	ASSERT_STR_EQ(json_string_value(json_array_get(ips, 1)), "fd00::6");
	ASSERT(json_is_object(json_object_get(json_object_get(objs, "vm-65"), "qfrom")));
	json_decref(ws);
	/* the record removed (a key set to ""), a property removed */
	ASSERT_EQ(apply(objs, "3",
		"<objectSet><kind>modify</kind><obj type=\"VirtualMachine\">vm-65</obj>"
		"<changeSet><name>config.extraConfig</name><op>assign</op><val xsi:type=\"ArrayOfOptionValue\">"
		"<OptionValue><key>cordon.quarantine.from</key><value xsi:type=\"xsd:string\"></value></OptionValue>"
		"</val></changeSet><changeSet><name>guest.net</name><op>remove</op></changeSet></objectSet>", "",
		&ver, &trunc), 1);
	ASSERT(!json_object_get(json_object_get(objs, "vm-65"), "qfrom"));
	ASSERT(!json_object_get(json_object_get(objs, "vm-65"), "ips"));
	/* nothing new: no returnval */
	size_t n = json_object_size(objs);
	static const char none[] = "<?xml version=\"1.0\"?><Envelope><Body><WaitForUpdatesExResponse/>"
				   "</Body></Envelope>";
	ASSERT_EQ(cd_vsphere_apply(objs, none, strlen(none), &ver, &trunc, &err), 0);
	ASSERT_EQ(json_object_size(objs), n);
	/* not an answer: refused, nothing changed */
	static const char *const bad[] = {
		"", "<<<", "<Envelope><Body><Fault><faultstring>x</faultstring></Fault></Body></Envelope>",
		"<Envelope><Body/></Envelope>", "<html><body>login</body></html>",
	};
	for (size_t i = 0; i < CD_ARRAY_LEN(bad); i++) {
		ASSERT(cd_vsphere_apply(objs, bad[i], strlen(bad[i]), &ver, &trunc, &err) < 0);
		ASSERT_EQ(json_object_size(objs), n);
	}
	cd_buf_free(&err);
	json_decref(tags);
	json_decref(objs);
	free(ver);
	free(xml);
}
