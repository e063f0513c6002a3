"""A new clinic's first visit, through the page alone: the issue's done-when as a test.

Sign-up, a physician added by the admin, then the physician registers a patient, starts an
encounter, writes a note, saves it twice, signs and amends it, reads the history; and the
admin finds each step, by the physician's name, in the audit log."""

import unittest
import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from browser import BrowserTest


class FirstVisitTests(BrowserTest):
    def button(self, label):
        return self.page.driver.find_element(By.XPATH, f"//button[normalize-space()='{label}']")

    def link(self, text):
        return self.page.driver.find_element(By.LINK_TEXT, text)

    def state(self, text):
        WebDriverWait(self.page.driver, 10).until(
            EC.text_to_be_present_in_element((By.CSS_SELECTOR, "main .state"), text))

    def log_in_as(self, slug, account, name):
        """Log out whoever is in, and log in as `account` (email, password)."""
        self.page.driver.find_element(By.ID, "logout").click()
        self.page.heading("Log in")
        self.page.log_in(slug, *account)
        self.page.heading(f"Welcome, {name}")

    def test_a_new_clinic_documents_its_first_visit(self):
        page = self.page
        slug = "first-" + uuid.uuid4().hex[:8]
        admin = ("lee@" + slug + ".example", "tide tables and lighthouses")
        physician = ("ana@" + slug + ".example", "stethoscope and otoscope")

        page.open("/")
        page.heading("Log in")
        self.link("Create an organisation").click()
        page.heading("Create an organisation")
        page.fill(organization__name="First Light Clinic", organization__slug=slug, admin__name="Lee Lead",
                  admin__email=admin[0], admin__password=admin[1])
        page.submit()
        page.heading("Welcome, Lee Lead")

        self.link("Users").click()
        page.heading("Users")
        page.fill(name="Dr. Ana Reyes", email=physician[0], password=physician[1])
        Select(page.driver.find_element(By.NAME, "role")).select_by_value("physician")
        self.button("Add the user").click()
        WebDriverWait(page.driver, 10).until(
            EC.presence_of_element_located((By.CSS_SELECTOR, f'li[data-user="{physician[0]}"]')))

        self.log_in_as(slug, physician, "Dr. Ana Reyes")
        self.link("Patients").click()
        page.heading("Patients")
        self.link("New patient").click()
        page.heading("New patient")
        page.fill(mrn="FL-0001", given_name="Tomás", family_name="Ibarra")
        page.driver.find_element(By.NAME, "birth_date").send_keys("04011988")
        Select(page.driver.find_element(By.NAME, "sex")).select_by_value("male")
        page.submit()
        page.heading("Ibarra, Tomás")

        page.fill(reason="Sore throat")
        self.button("Start the encounter").click()
        WebDriverWait(page.driver, 10).until(
            EC.text_to_be_present_in_element((By.CSS_SELECTOR, "li[data-encounter]"), "Sore throat"))
        self.link("Notes").click()
        page.heading("Encounter of")
        self.button("Write a new note").click()
        page.heading("Draft note")
        page.driver.find_element(By.NAME, "subjective").send_keys("Sore throat for two days, no fever")
        self.button("Save as a new version").click()
        self.state("Version 2, saved")
        page.driver.find_element(By.NAME, "objective").send_keys("Pharynx red, no exudate")
        page.driver.find_element(By.NAME, "assessment").send_keys("Viral pharyngitis")
        page.driver.find_element(By.NAME, "plan").send_keys("Fluids, rest, review in a week")
        self.button("Save as a new version").click()
        self.state("Version 3, saved")
        self.button("Sign").click()
        self.button("Sign the note").click()
        page.heading("Signed note")
        self.assertIn("you", page.driver.find_element(By.CSS_SELECTOR, "dl.signature").text)

        page.driver.find_element(By.XPATH, "//summary[normalize-space()='Amend this note']").click()
        page.driver.find_element(By.ID, "amend-plan").send_keys(" and a throat swab if worse")
        page.fill(reason="Added the swab")
        self.button("Amend the note").click()
        page.heading("Amended note")
        self.link("History").click()
        page.heading("History of the note")
        self.assertEqual(len(page.driver.find_elements(By.CSS_SELECTOR, "li[data-version]")), 4)
        plan = page.driver.find_element(By.CSS_SELECTOR, '[data-diff="plan"]')
        self.assertEqual([e.text.strip() for e in plan.find_elements(By.TAG_NAME, "ins")], ["and a throat swab if worse"])

        self.log_in_as(slug, admin, "Lee Lead")
        self.link("Audit log").click()
        page.heading("Audit log")
        Select(page.driver.find_element(By.NAME, "user_id")).select_by_visible_text("Dr. Ana Reyes")
        page.submit()
        # The unfiltered first page holds note.amend too: wait for the filtered answer itself.
        WebDriverWait(page.driver, 10).until(
            lambda d: not d.find_elements(By.CSS_SELECTOR, "main form[aria-busy]"))
        steps = page.texts("tr[data-action]", "data-action")
        for action in ("auth.login", "patient.create", "encounter.create", "note.create", "note.update", "note.sign",
                       "note.amend", "note.versions"):
            self.assertIn(action, steps)
        self.assertEqual(set(page.texts("tr[data-action] td:nth-child(4)")), {"Dr. Ana Reyes"})
        self.assertEqual(page.console_errors(), [])


if __name__ == "__main__":
    unittest.main()
