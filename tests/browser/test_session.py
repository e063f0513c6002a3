"""A session ended elsewhere, while the page is open: an admin changes the user's role or
deactivates the account. The page learns it within seconds, takes the chart off the screen, and
says what became of the words typed in a note: saved, or shown once to copy."""

import unittest
import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from browser import BrowserTest, api, token
from test_notes import new_draft, new_encounter

PASSPHRASE = "violet harbour lantern 7"


def new_nurse():
    """A nurse of her own for the test (the seeded accounts stay as they are): (admin token, user, email)."""
    admin = token("admin@northside.example")
    email = f"nurse-{uuid.uuid4().hex[:8]}@northside.example"
    status, user = api("POST", "/v1/users", {"email": email, "name": "Sam Temp", "password": PASSPHRASE, "role": "nurse"},
                       admin)
    assert status == 201, user
    return admin, user, email


class SessionEndTests(BrowserTest):
    def log_in(self, email):
        self.page.log_in("northside", email, password=PASSPHRASE)
        self.page.heading("Welcome")

    def open_draft_as_new_nurse(self):
        """A new nurse in a physician's draft: (admin token, nurse, physician token, patient, note)."""
        admin, user, email = new_nurse()
        access, patient, encounter = new_encounter()
        note = new_draft(access, encounter)
        self.log_in(email)
        self.page.open(f"/#/notes/{note['id']}")
        self.page.heading("Draft note")
        return admin, user, access, patient, note

    def main_text(self):
        return self.page.driver.find_element(By.ID, "main").text

    def test_a_deactivated_users_chart_leaves_the_screen_within_seconds(self):
        admin, user, email = new_nurse()
        access, patient, _ = new_encounter()
        self.assertEqual(api("PATCH", f"/v1/patients/{patient['id']}", {"phone": "+1 555 0177"}, access)[0], 200)
        self.log_in(email)
        self.page.open(f"/#/patients/{patient['id']}")
        self.page.heading("Haddad")
        WebDriverWait(self.page.driver, 10).until(lambda _: "+1 555 0177" in self.main_text())
        self.assertEqual(api("PATCH", f"/v1/users/{user['id']}", {"active": False}, admin)[0], 200)
        # Nobody touches the page: it finds out by itself.
        self.page.heading("Log in", timeout=15)
        self.assertIn("Your session ended", self.page.message("session ended"))
        text = self.main_text()
        self.assertNotIn("+1 555 0177", text)
        self.assertNotIn("Haddad", text)
        self.assertEqual(self.page.driver.find_elements(By.CSS_SELECTOR, "[data-leftover]"), [])

    def test_text_typed_when_the_role_changes_is_shown_once_to_copy_then_discarded(self):
        admin, user, access, patient, note = self.open_draft_as_new_nurse()
        self.page.driver.find_element(By.NAME, "objective").send_keys("K+ 5.9 on today's labs")
        # The front desk may not save notes: the nurse's session ends before her text is saved.
        self.assertEqual(api("PATCH", f"/v1/users/{user['id']}", {"role": "front_desk"}, admin)[0], 200)
        self.page.heading("Log in", timeout=15)
        leftover = WebDriverWait(self.page.driver, 5).until(
            EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-leftover]")))
        self.assertIn(f"Not saved: your text in the note for Haddad, Noor (MRN {patient['mrn']})", leftover.text)
        self.assertIn("K+ 5.9 on today's labs",
                      leftover.find_element(By.TAG_NAME, "textarea").get_attribute("value"))
        self.assertEqual(self.page.driver.find_elements(By.NAME, "objective"), [], "the editor is gone")
        self.assertAccessible("session-ended-leftover")
        leftover.find_element(By.CSS_SELECTOR, "[data-discard]").click()
        self.assertEqual(self.page.driver.find_elements(By.CSS_SELECTOR, "[data-leftover]"), [])
        self.assertNotIn("K+ 5.9", self.main_text())
        status, stored = api("GET", f"/v1/notes/{note['id']}", None, access)
        self.assertNotIn("K+ 5.9", stored["objective"])

    def test_text_saved_before_the_session_ended_is_said_to_be_saved(self):
        admin, user, access, patient, note = self.open_draft_as_new_nurse()
        self.page.driver.find_element(By.NAME, "plan").send_keys(" Recheck potassium tomorrow.")
        WebDriverWait(self.page.driver, 12).until(
            EC.text_to_be_present_in_element((By.CSS_SELECTOR, "main .state"), "Version 2, saved"))
        self.assertEqual(api("PATCH", f"/v1/users/{user['id']}", {"active": False}, admin)[0], 200)
        self.page.heading("Log in", timeout=15)
        self.assertEqual(
            self.page.message("was saved"),
            f"Everything you typed in the note for Haddad, Noor (MRN {patient['mrn']}) was saved before the session ended.")
        self.assertEqual(self.page.driver.find_elements(By.CSS_SELECTOR, "[data-leftover]"), [])


if __name__ == "__main__":
    unittest.main()
