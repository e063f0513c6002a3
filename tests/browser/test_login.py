"""Login, sign-up, session handling and the page's policy, in a real Chromium."""

import time
import unittest
import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from browser import IDLE_BASE, PASSWORD, BrowserTest, Page, headers


class PolicyTests(unittest.TestCase):
    def test_every_answer_carries_a_strict_policy(self):
        for path in ("/", "/app/main.js", "/health"):
            policy = headers(path)["Content-Security-Policy"]
            self.assertIn("script-src 'self'", policy, path)
            self.assertIn("frame-ancestors 'none'", policy, path)
            self.assertNotIn("unsafe-inline", policy, path)
            self.assertNotIn("unsafe-eval", policy, path)
        self.assertEqual(headers("/")["X-Content-Type-Options"], "nosniff")
        self.assertEqual(headers("/")["Referrer-Policy"], "no-referrer")


class LoginTests(BrowserTest):
    def test_logging_out_in_one_tab_logs_out_the_others(self):
        self.page.log_in("northside", "nurse@northside.example")
        self.page.heading("Welcome, Riley Nurse")
        first = self.page.driver.current_window_handle
        self.page.driver.switch_to.new_window("tab")
        self.page.open("/")  # the session is the browser's: this tab restores it
        self.page.heading("Welcome, Riley Nurse")
        second = self.page.driver.current_window_handle
        self.page.driver.switch_to.window(first)
        self.page.driver.find_element(By.ID, "logout").click()
        self.page.heading("Log in")
        self.page.driver.switch_to.window(second)
        self.page.heading("Log in")
        self.assertEqual(self.page.message("another tab"), "You logged out in another tab of this browser.")

    def test_login_page_is_accessible_and_works_by_keyboard_alone(self):
        self.page.open("/")
        self.page.heading("Log in")
        self.assertAccessible("login")
        # Tab from the heading through the form, typing as a keyboard user would.
        active = self.page.driver.switch_to.active_element
        self.assertEqual(active.tag_name, "h1")
        self.page.driver.find_element(By.NAME, "tenant").send_keys("northside")
        self.page.driver.switch_to.active_element.send_keys(Keys.TAB, "physician@northside.example")
        self.page.driver.switch_to.active_element.send_keys(Keys.TAB, PASSWORD, Keys.ENTER)
        self.page.heading("Welcome, Dr. Morgan Physician")
        self.assertIn("Physician", self.page.driver.find_element(By.ID, "account").text)

    def test_wrong_password_says_so_without_saying_which_part(self):
        self.page.log_in("northside", "nurse@northside.example", "not the password at all")
        text = self.page.message("do not match")
        self.assertEqual(text, "The organisation, email and password do not match an account.")
        self.assertEqual(self.page.driver.find_element(By.NAME, "password").get_attribute("value"), "")
        # An unknown organisation reads exactly the same.
        self.page.log_in("nowhere", "nurse@northside.example", "not the password at all")
        self.assertEqual(self.page.message("do not match"), text)

    def test_lockout_says_how_long_to_wait(self):
        # An address nobody has: the lockout is the same whether the account exists or not,
        # and no seeded account stays locked for the other tests.
        for _ in range(5):
            self.page.log_in("northside", "nobody@northside.example", "wrong password, again")
            self.page.message("do not match")
        self.page.log_in("northside", "nobody@northside.example", PASSWORD)
        self.assertEqual(self.page.message("Too many attempts"), "Too many attempts. Try again in 15 minutes.")
        self.page.screenshots("login-locked")

    def test_session_survives_a_reload_and_ends_with_logout(self):
        self.page.log_in("northside", "auditor@northside.example")
        self.page.heading("Welcome, Casey Auditor")
        self.page.driver.refresh()
        self.page.heading("Welcome, Casey Auditor")
        token_storage = self.page.driver.execute_script(
            "return [localStorage.length, sessionStorage.length, document.cookie]")
        self.assertEqual(token_storage, [0, 0, ""], "no token where scripts can read it")
        self.page.driver.find_element(By.ID, "logout").click()
        self.page.heading("Log in")
        self.assertEqual(self.page.message("logged out"), "You are logged out.")
        self.page.driver.refresh()
        self.page.heading("Log in")


class SignUpTests(BrowserTest):
    def test_sign_up_shows_errors_beside_fields_then_creates_the_organisation(self):
        slug = "clinic-" + uuid.uuid4().hex[:8]
        self.page.open("/#/signup")
        self.page.heading("Create an organisation")
        self.assertAccessible("signup")
        self.page.fill(organization__name="Harbour Clinic", organization__slug=slug, admin__name="Lee Lead",
                       admin__email="lee@harbour.example", admin__password="short")
        self.page.submit()
        self.page.message("Some fields need a change")
        self.assertIn("12", self.page.field_error("admin.password"))
        self.assertEqual(self.page.driver.switch_to.active_element.get_attribute("name"), "admin.password")
        self.page.screenshots("signup-errors")

        self.page.fill(admin__password="tide tables and lighthouses")
        self.page.submit()
        self.page.heading("Welcome, Lee Lead")
        self.assertIn(slug, self.page.driver.find_element(By.CSS_SELECTOR, "main").text)
        self.assertAccessible("home")

        # The slug is taken now: said beside the slug.
        self.page.driver.find_element(By.ID, "logout").click()
        self.page.heading("Log in")
        self.page.open("/#/signup")
        self.page.fill(organization__name="Another", organization__slug=slug, admin__name="Sam",
                       admin__email="sam@another.example", admin__password="tide tables and lighthouses")
        self.page.submit()
        WebDriverWait(self.page.driver, 10).until(lambda d: "taken" in self.page.field_error("organization.slug"))


class IdleTests(BrowserTest):
    def setUp(self):
        self.page = Page(IDLE_BASE)

    def test_idle_session_is_logged_out(self):
        self.page.log_in("northside", "nurse@northside.example")
        self.page.heading("Welcome, Riley Nurse")
        self.page.heading("Log in", timeout=15)  # the server configured a 3 s idle timeout
        self.assertEqual(self.page.message("without activity"), "You were logged out after 3 seconds without activity.")
        self.page.driver.refresh()
        self.page.heading("Log in")

    def test_a_countdown_warns_before_the_idle_logout_and_activity_keeps_the_session(self):
        self.page.log_in("northside", "nurse@northside.example")
        self.page.heading("Welcome, Riley Nurse")
        # Waits in the page for the warning, then acts at once: the 3 s stretch leaves 1 s of it.
        said = self.page.driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            const check = () => {
                const warning = document.querySelector('[data-idle-warning]');
                if (warning && !warning.hidden) {
                    const text = warning.innerText;
                    window.dispatchEvent(new KeyboardEvent('keydown', {key: 'a'}));
                    done([text, warning.hidden, document.querySelector('main h1').textContent]);
                } else setTimeout(check, 20);
            };
            check();""")
        text, hidden_after, heading = said
        self.assertIn("you will be logged out in 1 second", text)
        self.assertIn("Stay logged in", text)
        self.assertTrue(hidden_after, "activity takes the warning away")
        self.assertIn("Welcome, Riley Nurse", heading)
        time.sleep(1.5)
        self.assertIn("Welcome, Riley Nurse", self.page.driver.find_element(By.CSS_SELECTOR, "main h1").text,
                      "the countdown started again from the activity")
        self.page.heading("Log in", timeout=15)
        self.assertTrue(self.page.driver.find_element(By.CSS_SELECTOR, "[data-idle-warning]").get_attribute("hidden")
                        is not None, "no warning left over on the login page")

    def test_activity_in_one_tab_keeps_every_tab_logged_in(self):
        self.page.log_in("northside", "nurse@northside.example")
        self.page.heading("Welcome, Riley Nurse")
        first = self.page.driver.current_window_handle
        self.page.driver.switch_to.new_window("tab")
        self.page.open("/")
        self.page.heading("Welcome, Riley Nurse")
        # Someone works in the second tab for 5 s, longer than the 3 s idle timeout.
        self.page.driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            let left = 7;
            const tick = () => {
                window.dispatchEvent(new KeyboardEvent('keydown', {key: 'a'}));
                if (--left === 0) done(); else setTimeout(tick, 700);
            };
            tick();""")
        self.page.driver.switch_to.window(first)
        self.assertIn("Welcome, Riley Nurse", self.page.driver.find_element(By.CSS_SELECTOR, "main h1").text,
                      "the idle tab logged out while another was in use")
        self.page.heading("Log in", timeout=15)  # then idle everywhere: both end

    def test_after_an_idle_logout_the_same_user_returns_to_the_page(self):
        self.page.log_in("northside", "nurse@northside.example")
        self.page.heading("Welcome, Riley Nurse")
        self.page.driver.find_element(By.LINK_TEXT, "Patients").click()
        self.page.heading("Patients")
        self.page.heading("Log in", timeout=15)
        # Logging in again on the page the idle logout left (no reload: the address is kept in memory).
        self.page.fill(tenant="northside", email="nurse@northside.example", password=PASSWORD)
        self.page.submit()
        self.page.heading("Patients")
        self.page.heading("Log in", timeout=15)
        # Another user of the workstation starts at the beginning, not on the last one's page.
        self.page.fill(tenant="northside", email="physician@northside.example", password=PASSWORD)
        self.page.submit()
        self.page.heading("Welcome, Dr. Morgan Physician")


if __name__ == "__main__":
    unittest.main()
