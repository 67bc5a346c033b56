"""Accounts and tokens over real HTTP: signup, login, admin-created users, 401 and 403."""

import base64
import hashlib
import hmac
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import hotpath_harness as h  # noqa: E402

ADMIN_EMAIL = "root@test.hotpath.dev"


def setUpModule():
    global SERVER, C, ADMIN
    SERVER, C, ADMIN = h.start_with_admin(ADMIN_EMAIL)


def tearDownModule():
    SERVER.cleanup()


fields = h.problem_fields


class SignupLogin(unittest.TestCase):
    def assertProblem(self, resp, status):
        self.assertEqual(resp.status, status, resp)
        self.assertTrue(resp.header("Content-Type").startswith("application/problem+json"), resp.headers)
        body = resp.json
        self.assertEqual(body["status"], status)
        for k in ("type", "title", "detail"):
            self.assertIsInstance(body[k], str)

    def test_signup_then_login_returns_token_and_never_the_password(self):
        email = h.unique_email("alice")
        pw = "s3cret-Pa55word"
        r = C.post("/v1/auth/signup", {"email": email, "password": pw, "name": "Alice"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["user"]["role"], "customer")
        self.assertEqual(r.json["user"]["email"], email)
        self.assertTrue(r.json["user"]["id"])
        self.assertTrue(r.json["token"])
        self.assertNotIn(pw, r.text)
        self.assertNotIn("password", r.text)

        r2 = C.post("/v1/auth/login", {"email": email.upper(), "password": pw})
        self.assertEqual(r2.status, 200, r2)
        self.assertEqual(r2.json["user"]["id"], r.json["user"]["id"])
        self.assertNotIn(pw, r2.text)
        self.assertNotIn("password", r2.text)

        me = C.get("/v1/users/me", token=r2.json["token"])
        self.assertEqual(me.status, 200, me)
        self.assertEqual(me.json["email"], email)
        self.assertNotIn("password", me.text)

        # the password is not in the server's logs either
        self.assertNotIn(pw, SERVER.log_tail(10 ** 7))

    def test_duplicate_email_is_409_case_insensitively(self):
        email = h.unique_email("dup")
        self.assertEqual(C.post("/v1/auth/signup", {"email": email, "password": h.PASSWORD, "name": "A"}).status, 201)
        r = C.post("/v1/auth/signup", {"email": email.upper(), "password": h.PASSWORD, "name": "B"})
        self.assertProblem(r, 409)
        self.assertIn("email", fields(r))

    def test_bad_email_and_short_password_are_400_naming_the_fields(self):
        r = C.post("/v1/auth/signup", {"email": "not-an-email", "password": "short", "name": "X"})
        self.assertProblem(r, 400)
        self.assertEqual(fields(r), {"email", "password"})
        r = C.post("/v1/auth/signup", {"email": h.unique_email(), "password": h.PASSWORD, "name": ""})
        self.assertProblem(r, 400)
        self.assertIn("name", fields(r))
        r = C.post("/v1/auth/signup", {"email": h.unique_email(), "password": h.PASSWORD})
        self.assertProblem(r, 400)
        self.assertIn("name", fields(r))
        r = C.post("/v1/auth/signup", {"email": h.unique_email(), "password": h.PASSWORD, "name": "X",
                                       "role": "admin"})
        self.assertProblem(r, 400)
        self.assertIn("role", fields(r))

    def test_wrong_password_and_unknown_email_are_401(self):
        email = h.unique_email("bob")
        h.signup(C, email=email)
        self.assertProblem(C.post("/v1/auth/login", {"email": email, "password": "wrong-password"}), 401)
        self.assertProblem(C.post("/v1/auth/login", {"email": h.unique_email(), "password": h.PASSWORD}), 401)


class Tokens(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.token, cls.user = h.signup(C)

    def test_missing_token_is_401(self):
        r = C.get("/v1/users/me")
        self.assertEqual(r.status, 401, r)
        self.assertEqual(r.json["status"], 401)

    def test_garbage_and_wrong_scheme_are_401(self):
        for hdr in ("Bearer garbage", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer v1.abc.def", self.token):
            r = C.get("/v1/users/me", headers={"Authorization": hdr})
            self.assertEqual(r.status, 401, (hdr, r))

    def _claims(self):
        _, body, _ = self.token.split(".")
        pad = "=" * (-len(body) % 4)
        return json.loads(base64.urlsafe_b64decode(body + pad))

    def _forge(self, claims, sig_from=None):
        body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
        sig = (sig_from or self.token).split(".")[2]
        return "v1.%s.%s" % (body, sig)

    def test_forged_role_is_401(self):
        claims = self._claims()
        self.assertEqual(claims["role"], "customer")
        claims["role"] = "admin"
        forged = self._forge(claims)
        self.assertEqual(C.get("/v1/users/me", token=forged).status, 401)
        self.assertEqual(C.post("/v1/zones", {"name": "z", "polygon": h.rect(0, 0, 1, 1)}, token=forged).status, 401)

    def test_tampered_signature_is_401(self):
        head, body, sig = self.token.split(".")
        flipped = ("A" if sig[0] != "A" else "B") + sig[1:]
        self.assertEqual(C.get("/v1/users/me", token="%s.%s.%s" % (head, body, flipped)).status, 401)

    def test_expired_looking_token_is_401(self):
        claims = self._claims()
        claims["exp"] = 1000000000  # 2001
        self.assertEqual(C.get("/v1/users/me", token=self._forge(claims)).status, 401)

    def test_token_via_access_token_query(self):
        r = C.get("/v1/users/me?access_token=" + self.token)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["id"], self.user["id"])


class Logout(unittest.TestCase):
    def test_logout_revokes_only_the_presented_token(self):
        email = h.unique_email("bob")
        first, user = h.signup(C, email=email)
        second, _ = h.login(C, email, h.PASSWORD)
        self.assertNotEqual(first, second)
        self.assertEqual(C.get("/v1/users/me", token=first).status, 200)
        r = C.post("/v1/auth/logout", None, token=first)
        self.assertEqual(r.status, 204, r)
        self.assertEqual(r.body, b"")
        refused = C.get("/v1/users/me", token=first)
        self.assertEqual(refused.status, 401, refused)
        self.assertIn("revoked", refused.json["detail"])
        self.assertEqual(C.get("/v1/users/me?access_token=" + first).status, 401)  # however it is presented
        self.assertEqual(C.post("/v1/auth/logout", None, token=first).status, 401)
        self.assertEqual(C.get("/v1/users/me", token=second).json["id"], user["id"])  # the other session lives

    def test_logout_needs_a_valid_token(self):
        self.assertEqual(C.post("/v1/auth/logout").status, 401)
        self.assertEqual(C.post("/v1/auth/logout", None, token="v1.garbage.sig").status, 401)


class Expiry(unittest.TestCase):
    """With a known signing secret the test can mint correctly signed tokens: one that expired a
    second ago must be refused as expired, while the same token valid for another minute works
    (so the refusal is about time, not about the signature)."""

    SECRET = "test-secret-0123456789abcdef0123456789abcdef"

    @classmethod
    def setUpClass(cls):
        cls.server = h.Server()
        cfg = os.path.join(cls.server.data_dir, "hotpath.toml")
        with open(cfg, "w") as f:
            f.write('[auth]\ntoken_secret = "%s"\n' % cls.SECRET)
        cls.server.extra_args = ["--config", cfg]
        cls.server.start()
        cls.c = cls.server.client()
        cls.token, cls.user = h.signup(cls.c)

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def mint(self, exp):
        key = hashlib.blake2b(self.SECRET.encode(), digest_size=32).digest()
        claims = {"sub": self.user["id"], "role": "customer", "exp": exp}
        body = "v1." + base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
        mac = hmac.new(key, body.encode(), hashlib.sha256).digest()
        return body + "." + base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def test_expired_token_is_401(self):
        now = int(time.time())
        fresh = self.c.get("/v1/users/me", token=self.mint(now + 60))
        self.assertEqual(fresh.status, 200, fresh)
        self.assertEqual(fresh.json["id"], self.user["id"])
        expired = self.c.get("/v1/users/me", token=self.mint(now - 1))
        self.assertEqual(expired.status, 401, expired)
        self.assertIn("expired", expired.json["detail"])
        # and the secret is not shown by the server it configures
        self.assertNotIn(self.SECRET, self.server.log_tail(10 ** 7))

    def test_a_token_without_an_id_is_revoked_too_and_stays_revoked_after_a_restart(self):
        now = int(time.time())
        old_style, other = self.mint(now + 600), self.mint(now + 601)  # no jti claim
        self.assertEqual(self.c.post("/v1/auth/logout", None, token=old_style).status, 204)
        self.assertEqual(self.c.get("/v1/users/me", token=old_style).status, 401)
        self.assertEqual(self.c.get("/v1/users/me", token=other).status, 200)
        self.server.stop()
        self.server.start()
        type(self).c = self.server.client()  # the other tests of the class use the restarted server
        self.assertEqual(self.c.get("/v1/users/me", token=old_style).status, 401)
        self.assertEqual(self.c.get("/v1/users/me", token=other).status, 200)


class Roles(unittest.TestCase):
    def test_admin_creates_staff_rider_admin_and_they_can_log_in(self):
        r = C.post("/v1/restaurants", {"name": "R", "location": {"lat": 1.0, "lon": 1.0}}, token=ADMIN)
        self.assertEqual(r.status, 201, r)
        rid = r.json["id"]
        tok, staff = h.create_user(C, ADMIN, "restaurant", restaurant_id=rid)
        self.assertEqual(staff["role"], "restaurant")
        self.assertEqual(staff["restaurant_id"], rid)
        tok, rider = h.create_user(C, ADMIN, "rider")
        self.assertEqual(rider["role"], "rider")
        tok, admin2 = h.create_user(C, ADMIN, "admin")
        self.assertEqual(admin2["role"], "admin")
        r = C.post("/v1/users", {"email": h.unique_email(), "password": "another-secret-pw", "name": "N",
                                 "role": "rider"}, token=ADMIN)
        self.assertEqual(r.status, 201, r)
        self.assertNotIn("another-secret-pw", r.text)
        self.assertNotIn("password", r.text)

    def test_create_user_validation(self):
        base = {"email": h.unique_email(), "password": h.PASSWORD, "name": "N"}
        r = C.post("/v1/users", dict(base, role="restaurant"), token=ADMIN)
        self.assertEqual(r.status, 400, r)
        self.assertIn("restaurant_id", fields(r))
        r = C.post("/v1/users", dict(base, role="restaurant", restaurant_id="rst_nope"), token=ADMIN)
        self.assertEqual(r.status, 400, r)
        self.assertIn("restaurant_id", fields(r))
        r = C.post("/v1/users", dict(base, role="emperor"), token=ADMIN)
        self.assertEqual(r.status, 400, r)
        self.assertIn("role", fields(r))

    def test_wrong_role_is_403(self):
        ctok, _ = h.signup(C)
        r = C.post("/v1/users", {"email": h.unique_email(), "password": h.PASSWORD, "name": "N", "role": "admin"},
                   token=ctok)
        self.assertEqual(r.status, 403, r)
        self.assertEqual(r.json["status"], 403)
        self.assertEqual(C.post("/v1/zones", {"name": "z", "polygon": h.rect(0, 0, 1, 1)}, token=ctok).status, 403)
        self.assertEqual(C.post("/v1/riders/me/online", {"lat": 1, "lon": 1}, token=ctok).status, 403)
        self.assertEqual(C.post("/v1/orders/ord_x/refund", token=ctok).status, 403)
        # an admin is not a customer: placing orders is a customer's action
        r = C.post("/v1/orders/quote", {"restaurant_id": "x", "items": [{"item_id": "y", "quantity": 1}],
                                        "delivery": {"lat": 1, "lon": 1, "address": "a"}}, token=ADMIN)
        self.assertEqual(r.status, 403, r)


if __name__ == "__main__":
    unittest.main()
