"""Smaller things a clinician or an admin meets many times a day: no stray word on Home, an
attestation that Enter alone does not sign, one way of writing sex, and buttons a screen
reader tells apart."""

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from browser import BrowserTest, api
from test_notes import new_draft, new_encounter


class DetailTests(BrowserTest):
    def log_out(self):
        self.page.driver.find_element(By.ID, "logout").click()
        self.page.heading("Log in")

    def test_home_prints_no_false_for_roles_without_drafts(self):
        for local in ("frontdesk", "admin", "auditor"):
            self.page.log_in("northside", f"{local}@northside.example")
            self.page.heading("Welcome")
            text = self.page.driver.find_element(By.ID, "main").text
            self.assertNotIn("false", text.split(), local)
            self.log_out()

    def test_the_attestation_opens_on_its_words_and_enter_does_not_sign(self):
        access, _, encounter = new_encounter()
        note = new_draft(access, encounter)
        self.page.log_in("northside", "physician@northside.example")
        self.page.heading("Welcome")
        self.page.open(f"/#/notes/{note['id']}")
        self.page.heading("Draft note")
        sign = self.page.driver.find_element(By.XPATH, "//button[normalize-space()='Sign']")
        self.page.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", sign)
        sign.click()
        WebDriverWait(self.page.driver, 10).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "dialog[open]")))
        self.assertEqual(self.page.driver.execute_script("return document.activeElement.id"), "confirm-text")
        self.page.driver.switch_to.active_element.send_keys(Keys.ENTER)
        self.page.driver.switch_to.active_element.send_keys(Keys.ENTER)
        self.assertTrue(self.page.driver.find_elements(By.CSS_SELECTOR, "dialog[open]"), "still asking")
        self.assertEqual(api("GET", f"/v1/notes/{note['id']}", None, access)[1]["status"], "draft")

    def test_the_chart_writes_sex_as_the_banner_does(self):
        _, patient, _ = new_encounter()
        self.page.log_in("northside", "nurse@northside.example")
        self.page.heading("Welcome")
        self.page.open(f"/#/patients/{patient['id']}")
        self.page.heading("Haddad")
        facts = self.page.texts("dl.facts dd")
        self.assertIn("Female", facts)
        self.assertNotIn("female", facts)

    def test_each_user_button_names_its_user(self):
        self.page.log_in("northside", "admin@northside.example")
        self.page.heading("Welcome")
        self.page.open("/#/users")
        self.page.heading("Users")
        WebDriverWait(self.page.driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "li[data-user] button"))
        names = [self.page.driver.execute_script(
            "return arguments[0].getAttribute('aria-label') || arguments[0].innerText", button)
            for button in self.page.driver.find_elements(By.CSS_SELECTOR, "li[data-user] button")]
        self.assertEqual(len(names), len(set(names)), names)
