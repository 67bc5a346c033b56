"""Bad input anywhere gets a precise 4xx problem, never a 500 or a crash."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import hotpath_harness as h  # noqa: E402

ADMIN_EMAIL = "root@test.hotpath.dev"


def setUpModule():
    global SERVER, C, ADMIN, W, OID
    SERVER, C, ADMIN = h.start_with_admin(ADMIN_EMAIL)
    W = h.World(C, ADMIN, riders=1)
    OID = W.place_ok()["id"]


def tearDownModule():
    SERVER.cleanup()


BAD_BODIES = [
    b"", b"{", b"[]", b"null", b"0", b'"x"', b"\xff\xfe\x00garbage", b'{"a":1,"a":2}',
    b'{"a":' * 5000, b"[" * 100000,  # deep nesting
    b'{"lat":1e400,"lon":-1e400}', b'{"prep_minutes":99999999999999999999999}',
    b'{"email":null,"password":null,"name":null,"reason":null,"price":null}',
    json.dumps({"name": "x" * 100000, "reason": "y" * 100000}).encode(),
    b'{"restaurant_id":{},"items":[[]],"delivery":[],"payment_method":7}',
    b'{"price":{"amount":"12","currency":"USD"},"name":"x"}',
    b'{"polygon":[{"lat":"1","lon":1},{"lat":1,"lon":1},{"lat":1,"lon":1}],"name":"n"}',
]


class NeverA500(unittest.TestCase):
    def test_every_route_with_bad_bodies_and_every_role(self):
        doc = C.get("/v1/openapi.json").json
        tokens = {"admin": ADMIN, "customer": W.customer_token, "staff": W.staff_token, "rider": W.riders[0][0],
                  "anonymous": None}
        # Logout revokes the token it is given: that route gets tokens of its own (fresh logins).
        spare = {"admin": h.login(C, ADMIN_EMAIL, h.PASSWORD)[0], "anonymous": None}
        for role, user in (("customer", W.customer), ("staff", W.staff), ("rider", W.riders[0][1])):
            spare[role] = h.login(C, user["email"], h.PASSWORD)[0]
        failures = []
        count = 0
        for path, ops in sorted(doc["paths"].items()):
            if path in ("/v1/ws", "/v1/orders/{id}/events", "/v1/orders/{id}/track"):
                continue  # streams: covered in test_live
            concrete = (path.replace("{id}", OID if path.startswith("/v1/orders") else W.rid)
                        .replace("{item_id}", W.items[0]["id"]))
            for method in ops:
                for role, tok in (spare if path == "/v1/auth/logout" else tokens).items():
                    for body in BAD_BODIES:
                        r = C.request(method.upper(), concrete, raw=body, token=tok,
                                      headers={"Idempotency-Key": h.unique("fuzz")})
                        count += 1
                        if r.status >= 500:
                            failures.append("%s %s as %s with %r: %r" % (method.upper(), path, role, body[:40], r))
                        elif r.status >= 400 and not r.header("Content-Type").startswith("application/problem+json"):
                            failures.append("%s %s as %s: %d without a problem body" % (method.upper(), path, role,
                                                                                       r.status))
        self.assertGreater(count, 1000)
        self.assertEqual(failures, [], "\n".join(failures[:20]))
        # (an empty body is a valid cancel, so the order may be cancelled now) the server is healthy
        self.assertIn(W.get(OID).json["status"], ("placed", "cancelled"))
        self.assertEqual(C.get("/healthz").status, 200)

    def test_deeply_nested_json_is_400(self):
        for raw in (b"[" * 100000, b'{"a":' * 50000 + b"1" + b"}" * 50000):
            r = C.request("POST", "/v1/auth/signup", raw=raw)
            self.assertEqual(r.status, 400, r)


class Problems(unittest.TestCase):
    def test_validation_problem_shape(self):
        r = C.post("/v1/auth/login", {"email": "x"})
        self.assertEqual(r.status, 400)
        body = r.json
        self.assertEqual(body["type"], "https://hotpath.dev/problems/validation")
        self.assertEqual(body["status"], 400)
        self.assertTrue(body["title"] and body["detail"])
        self.assertEqual(body["errors"], [{"field": "password", "reason": "is required"}])

    def test_wrong_json_types_name_the_field(self):
        for body, field in (({"email": 5, "password": h.PASSWORD}, "email"),
                            ({"email": "a@b.cd", "password": ["x"]}, "password")):
            r = C.post("/v1/auth/login", body)
            self.assertEqual(r.status, 400, r)
            self.assertIn(field, {e["field"] for e in r.json["errors"]})

    def test_chunked_request_body_is_read(self):
        data = json.dumps(W.order_body()).encode()
        chunks = b"".join(b"%x\r\n%s\r\n" % (len(data[i:i + 100]), data[i:i + 100]) for i in range(0, len(data), 100))
        head = ("POST /v1/orders HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                "Authorization: Bearer %s\r\nIdempotency-Key: %s\r\nTransfer-Encoding: chunked\r\n"
                "Connection: close\r\n\r\n" % (W.customer_token, h.unique("chunked"))).encode()
        status, headers, body = h.raw_http(SERVER.port, head + chunks + b"0\r\n\r\n")
        self.assertEqual(status, 201, body[:300])


if __name__ == "__main__":
    unittest.main()
