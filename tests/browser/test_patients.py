"""Patients and the chart: search as you type, load more, register and edit with the API's
field errors, encounters with only the allowed transitions, and what each role sees."""

import time
import unittest
import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from browser import BrowserTest, api, token


class PatientTests(BrowserTest):
    def rows(self):
        """The list's rows as text, read in one go (the list re-renders as answers arrive)."""
        return self.page.driver.execute_script(
            "return [...document.querySelectorAll('main ul.rows li')].map(li => li.innerText)")

    def wait_for_rows(self, count, containing):
        def done(_):
            rows = self.rows()
            return len(rows) == count and all(containing in row for row in rows)
        WebDriverWait(self.page.driver, 10).until(done, f"expected {count} rows of {containing}")

    def test_an_empty_form_says_everything_missing_at_once_in_sentences(self):
        self.page.log_in("northside", "nurse@northside.example")
        self.page.heading("Welcome")
        self.page.open("/#/patients/new")
        self.page.heading("New patient")
        self.page.submit()
        self.page.message("Some fields need a change")
        self.assertEqual(self.page.field_error("given_name"), "Given name is required.")
        self.assertEqual(self.page.field_error("family_name"), "Family name is required.")
        self.assertEqual(self.page.field_error("mrn"), "MRN (medical record number) is required.")
        self.assertEqual(self.page.field_error("birth_date"), "Birth date is required.")
        self.assertEqual(self.page.field_error("sex"), "Administrative sex must be chosen.")

    def test_each_field_says_what_is_wrong_with_it_at_once_and_sex_has_no_default(self):
        self.page.log_in("northside", "frontdesk@northside.example")
        self.page.heading("Welcome")
        self.page.open("/#/patients/new")
        self.page.heading("New patient")
        self.assertEqual(Select(self.page.driver.find_element(By.NAME, "sex")).first_selected_option.text, "Choose…")
        self.page.fill(mrn="NS-" + uuid.uuid4().hex[:8], given_name="Ina", family_name="Feld",
                       email="ina at example", address__country="Norway")
        self.page.driver.find_element(By.NAME, "birth_date").send_keys("02312020")
        self.page.submit()
        self.page.message("Some fields need a change")
        self.assertEqual(self.page.field_error("birth_date"), "Birth date is not a date on the calendar.")
        self.assertEqual(self.page.field_error("email"), "Email is not an email address.")
        self.assertEqual(self.page.field_error("address.country"), "Country must be two letters, e.g. US or DE.")
        self.assertEqual(self.page.field_error("sex"), "Administrative sex must be chosen.")
        self.assertEqual(self.page.field_error("mrn"), "")

    def test_a_taken_mrn_is_said_in_plain_words_in_any_case(self):
        self.page.log_in("northside", "frontdesk@northside.example")
        self.page.heading("Welcome")
        self.page.open("/#/patients/new")
        self.page.heading("New patient")
        self.page.fill(mrn="ns-1001", given_name="Ole", family_name="Taken" + uuid.uuid4().hex[:6])
        self.page.driver.find_element(By.NAME, "birth_date").send_keys("03041970")
        Select(self.page.driver.find_element(By.NAME, "sex")).select_by_value("male")
        self.page.submit()
        WebDriverWait(self.page.driver, 10).until(lambda _: self.page.field_error("mrn"))
        self.assertEqual(self.page.field_error("mrn"), "MRN (medical record number) belongs to another patient already.")

    def test_a_possible_duplicate_is_shown_with_its_details_and_registered_only_when_told_apart(self):
        family = "Brontë" + uuid.uuid4().hex[:6]
        desk = token("frontdesk@northside.example")
        status, first = api("POST", "/v1/patients", {"mrn": "NS-" + uuid.uuid4().hex[:8], "given_name": "Zoë",
                                                     "family_name": family, "birth_date": "2012-06-30", "sex": "female"}, desk)
        self.assertEqual(status, 201, first)
        self.page.log_in("northside", "frontdesk@northside.example")
        self.page.heading("Welcome")
        self.page.open("/#/patients/new")
        self.page.heading("New patient")
        self.page.fill(mrn="NS-" + uuid.uuid4().hex[:8], given_name="zoe", family_name=family.replace("ë", "e").upper())
        self.page.driver.find_element(By.NAME, "birth_date").send_keys("06302012")
        Select(self.page.driver.find_element(By.NAME, "sex")).select_by_value("female")
        self.page.submit()
        panel = WebDriverWait(self.page.driver, 10).until(
            EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-possible-duplicates]")))
        self.assertIn("Is this the same person?", panel.text)
        match = panel.find_element(By.CSS_SELECTOR, f'[data-match="{first["id"]}"]').text
        self.assertIn(f"{family}, Zoë", match)
        self.assertIn(f"MRN {first['mrn']}", match)
        self.assertIn("born 2012-06-30", match)
        self.assertIn("Female", match)
        self.assertAccessible("possible-duplicate")
        _, listed = api("POST", "/v1/patients/search", {"q": family}, desk)
        self.assertEqual(len(listed["items"]), 1, "nothing registered before the user says so")
        panel.find_element(By.CSS_SELECTOR, "[data-confirm-distinct]").click()
        self.page.heading(f"{family.replace('ë', 'e').upper()}, zoe")
        _, listed = api("POST", "/v1/patients/search", {"q": family}, desk)
        self.assertEqual(len(listed["items"]), 2)

    def test_search_results_show_sex_and_birth_date(self):
        self.page.log_in("northside", "nurse@northside.example")
        self.page.heading("Welcome")
        self.page.open("/#/patients")
        self.page.heading("Patients")
        self.page.driver.find_element(By.ID, "patient-search").send_keys("NS-1003")
        self.wait_for_rows(1, "MRN NS-1003")
        self.assertIn("born 2012-06-30 · Female", self.rows()[0])

    def test_register_find_edit_and_record_encounters(self):
        family = "Ødegård" + uuid.uuid4().hex[:6]
        self.page.log_in("northside", "nurse@northside.example")
        self.page.heading("Welcome")
        self.page.driver.find_element(By.LINK_TEXT, "Patients").click()
        self.page.heading("Patients")
        self.assertAccessible("patients")
        self.page.driver.find_element(By.LINK_TEXT, "New patient").click()
        self.page.heading("New patient")
        self.page.fill(mrn="NS-" + uuid.uuid4().hex[:8], given_name="Mira", family_name=family,
                       address__country="Norway")
        self.page.driver.find_element(By.NAME, "birth_date").send_keys("04011990")
        Select(self.page.driver.find_element(By.NAME, "sex")).select_by_value("female")
        self.page.submit()
        self.page.message("Some fields need a change")
        self.assertEqual(self.page.field_error("address.country"), "Country must be two letters, e.g. US or DE.")
        self.assertAccessible("patient-form-errors")
        self.page.fill(address__country="NO")
        self.page.submit()
        self.page.heading(f"{family}, Mira")
        chart_address = self.page.driver.current_url
        self.assertRegex(chart_address, r"#/patients/[0-9a-f-]{36}$", "ids only in the address")

        # An encounter: started now, then only the allowed next steps are offered.
        self.page.fill(reason="Cough for three days")
        self.page.driver.find_element(By.XPATH, "//button[text()='Start the encounter']").click()
        WebDriverWait(self.page.driver, 10).until(
            EC.presence_of_element_located((By.XPATH, "//li[@data-encounter]//button[text()='Finish']")))
        buttons = [b.text for b in self.page.driver.find_elements(By.CSS_SELECTOR, "li[data-encounter] button")]
        self.assertEqual(buttons, ["Finish", "Cancel the encounter", "Mark entered in error"])
        self.assertAccessible("chart")
        self.page.driver.find_element(By.XPATH, "//li[@data-encounter]//button[text()='Finish']").click()
        WebDriverWait(self.page.driver, 10).until(
            EC.text_to_be_present_in_element((By.CSS_SELECTOR, "li[data-encounter]"), "Finished"))
        buttons = [b.text for b in self.page.driver.find_elements(By.CSS_SELECTOR, "li[data-encounter] button")]
        self.assertEqual(buttons, ["Mark entered in error"])

        # Ending an encounter for good asks first, naming the patient; saying no changes nothing.
        void = "//li[@data-encounter]//button[text()='Mark entered in error']"
        self.page.driver.find_element(By.XPATH, void).click()
        dialog = WebDriverWait(self.page.driver, 5).until(
            EC.visibility_of_element_located((By.CSS_SELECTOR, "dialog[open]")))
        self.assertIn(f"{family}, Mira", dialog.text)
        self.assertIn("cannot change again", dialog.text)
        self.assertEqual(self.page.driver.execute_script("return document.activeElement.id"), "confirm-reason")
        dialog.find_element(By.XPATH, ".//button[text()='Keep it']").click()
        self.assertIn("Finished", self.page.driver.find_element(By.CSS_SELECTOR, "li[data-encounter]").text)
        # It takes a reason of its own, not the visit's.
        self.page.driver.find_element(By.XPATH, void).click()
        dialog = WebDriverWait(self.page.driver, 5).until(
            EC.visibility_of_element_located((By.CSS_SELECTOR, "dialog[open]")))
        dialog.find_element(By.XPATH, ".//button[text()='Mark entered in error']").click()
        self.assertIn("Say it in a few words", dialog.find_element(By.ID, "confirm-reason-error").text)
        self.assertTrue(self.page.driver.find_elements(By.CSS_SELECTOR, "dialog[open]"), "still asking")
        dialog.find_element(By.ID, "confirm-reason").send_keys("Registered twice")
        dialog.find_element(By.XPATH, ".//button[text()='Mark entered in error']").click()
        WebDriverWait(self.page.driver, 10).until(
            EC.text_to_be_present_in_element((By.CSS_SELECTOR, "li[data-encounter]"), "Entered in error"))
        row = self.page.driver.find_element(By.CSS_SELECTOR, "li[data-encounter]").text
        self.assertIn("Why: Registered twice", row)
        self.assertIn("Cough for three days", row)
        self.assertEqual(self.page.driver.find_elements(By.CSS_SELECTOR, "li[data-encounter] button"), [])

        # Edit: only the phone changes.
        self.page.driver.find_element(By.LINK_TEXT, "Edit").click()
        self.page.heading(f"Edit {family}, Mira")
        self.page.fill(phone="+47 555 0101")
        self.page.submit()
        self.page.heading(f"{family}, Mira")
        WebDriverWait(self.page.driver, 10).until(
            EC.text_to_be_present_in_element((By.CSS_SELECTOR, "main dl"), "+47 555 0101"))

        # Found as you type, any case and without the accents.
        self.page.driver.find_element(By.LINK_TEXT, "Patients").click()
        self.page.heading("Patients")
        self.page.driver.find_element(By.NAME, "q").send_keys("odegard" + family[7:9])
        WebDriverWait(self.page.driver, 10).until(
            lambda d: len(self.rows()) == 1 and family in self.rows()[0], "the new patient alone")

    def test_load_more_pages_through_every_match_once(self):
        nurse = token("nurse@northside.example")
        family = "Pager" + uuid.uuid4().hex[:6]
        for index in range(25):
            status, _ = api("POST", "/v1/patients", {
                "mrn": f"{family}-{index}", "given_name": f"Given{index:02d}", "family_name": family,
                "birth_date": "1980-01-01", "sex": "unknown"}, nurse)
            self.assertEqual(status, 201)
        self.page.log_in("northside", "nurse@northside.example")
        self.page.heading("Welcome")
        self.page.open("/#/patients")
        self.page.heading("Patients")
        self.page.driver.find_element(By.NAME, "q").send_keys(family.lower())
        self.wait_for_rows(20, family)
        self.page.driver.find_element(By.XPATH, "//button[text()='Load more']").click()
        self.wait_for_rows(25, family)
        names = self.rows()
        self.assertEqual(len(set(names)), 25)
        self.assertFalse(self.page.driver.find_element(By.XPATH, "//button[text()='Load more']").is_displayed())


class RoleTests(BrowserTest):
    def nav(self):
        return [a.text for a in self.page.driver.find_elements(By.CSS_SELECTOR, "#nav a")]

    def test_admin_reads_patients_but_may_not_write(self):
        self.page.log_in("northside", "admin@northside.example")
        self.page.heading("Welcome")
        self.assertEqual(self.nav(), ["Home", "Patients", "Audit log", "Users"])
        self.page.open("/#/patients")
        self.page.heading("Patients")
        self.assertEqual(self.page.driver.find_elements(By.LINK_TEXT, "New patient"), [])
        # The heading shows before the list's answer: wait for its first row.
        WebDriverWait(self.page.driver, 10).until(
            EC.element_to_be_clickable((By.CSS_SELECTOR, "main ul.rows li a"))).click()
        self.page.heading(",")
        self.assertEqual(self.page.driver.find_elements(By.LINK_TEXT, "Edit"), [])
        self.assertEqual(self.page.driver.find_elements(By.XPATH, "//button[text()='Start the encounter']"), [])
        self.assertEqual(self.page.driver.find_elements(By.CSS_SELECTOR, "li[data-encounter] button"), [])
        self.page.open("/#/patients/new")
        self.page.heading("Not for your role")

    def test_auditor_sees_no_patients(self):
        self.page.log_in("northside", "auditor@northside.example")
        self.page.heading("Welcome")
        self.assertEqual(self.nav(), ["Home", "Audit log"])
        self.page.open("/#/patients")
        self.page.heading("Not for your role")

    def test_another_organisation_cannot_open_a_patient_by_its_address(self):
        nurse = token("nurse@northside.example")
        _, page = api("GET", "/v1/patients?limit=1", None, nurse)
        northside_patient = page["items"][0]["id"]
        self.page.log_in("lakeview", "nurse@lakeview.example")
        self.page.heading("Welcome")
        self.page.open(f"/#/patients/{northside_patient}")
        self.page.heading("Patient")
        self.assertEqual(self.page.message("No such patient"), "No such patient in your organisation.")
        self.page.open(f"/#/patients/{northside_patient}/edit")
        self.page.heading("Edit patient")
        self.page.message("No such patient")


if __name__ == "__main__":
    unittest.main()
