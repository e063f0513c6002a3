"""The audit log (admins and auditors) and user administration (admins)."""

import unittest
import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from browser import PASSWORD, BrowserTest, api


class AuditLogTests(BrowserTest):
    def test_filters_and_pages_the_log(self):
        self.assertEqual(api("POST", "/v1/auth/login", {"tenant": "northside", "email": "auditor@northside.example",
                                                        "password": PASSWORD})[0], 200)
        self.page.log_in("northside", "admin@northside.example")
        self.page.heading("Welcome")
        self.page.driver.find_element(By.LINK_TEXT, "Audit log").click()
        self.page.heading("Audit log")
        WebDriverWait(self.page.driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "tr[data-action]"))
        self.assertAccessible("audit")
        self.page.fill(action="auth.login")
        self.page.submit()
        WebDriverWait(self.page.driver, 10).until(
            lambda d: set(self.page.texts("tr[data-action]", "data-action")) == {"auth.login"})
        # People are chosen and shown by name; the admin's own logins read "you".
        Select(self.page.driver.find_element(By.NAME, "user_id")).select_by_visible_text("Casey Auditor")
        self.page.submit()
        WebDriverWait(self.page.driver, 10).until(
            lambda d: set(self.page.texts("tr[data-action] td:nth-child(4)")) == {"Casey Auditor"})
        Select(self.page.driver.find_element(By.NAME, "user_id")).select_by_visible_text("Avery Admin")
        self.page.submit()
        WebDriverWait(self.page.driver, 10).until(
            lambda d: set(self.page.texts("tr[data-action] td:nth-child(4)")) == {"you"})
        # A time window: the page sends the browser's fractional-second times, and they are taken.
        self.page.fill(patient_id="")
        Select(self.page.driver.find_element(By.NAME, "user_id")).select_by_visible_text("Anyone")
        self.page.driver.execute_script(
            "document.querySelector('[name=from]').value = '2000-01-01T00:00';"
            "document.querySelector('[name=to]').value = '2100-01-01T00:00';")
        self.page.submit()
        WebDriverWait(self.page.driver, 10).until(lambda d: not d.find_elements(By.CSS_SELECTOR, "main form[aria-busy]"))
        self.assertEqual(self.page.texts("main .message.error"), [""])
        self.assertGreater(len(self.page.texts("tr[data-action]")), 0)
        self.page.screenshots("audit-filter")
        # A refused query leaves no rows of another one under its error.
        self.page.fill(patient_id="not-an-id")
        self.page.submit()
        self.page.message("The filters are not right")
        self.assertEqual(self.page.texts("tr[data-action]"), [])


class UserTests(BrowserTest):
    def test_add_change_and_deactivate_a_user(self):
        email = f"sam-{uuid.uuid4().hex[:6]}@northside.example"
        self.page.log_in("northside", "admin@northside.example")
        self.page.heading("Welcome")
        self.page.driver.find_element(By.LINK_TEXT, "Users").click()
        self.page.heading("Users")
        self.page.fill(name="Sam Second", email=email, password="short")
        Select(self.page.driver.find_element(By.NAME, "role")).select_by_value("nurse")
        self.page.driver.find_element(By.XPATH, "//button[text()='Add the user']").click()
        self.page.message("Some fields need a change")
        self.assertIn("12", self.page.field_error("password"))
        self.page.fill(password="a long enough first password")
        self.page.driver.find_element(By.XPATH, "//button[text()='Add the user']").click()
        row = f'li[data-user="{email}"]'
        WebDriverWait(self.page.driver, 10).until(EC.presence_of_element_located((By.CSS_SELECTOR, row)))
        self.assertAccessible("users")
        self.assertEqual(api("POST", "/v1/auth/login", {"tenant": "northside", "email": email,
                                                        "password": "a long enough first password"})[0], 200)

        select = self.page.driver.find_element(By.CSS_SELECTOR, f"{row} select")
        Select(select).select_by_value("physician")
        self.page.driver.find_element(By.XPATH, f"//li[@data-user='{email}']//button[text()='Change role']").click()
        WebDriverWait(self.page.driver, 10).until(
            EC.text_to_be_present_in_element((By.CSS_SELECTOR, f"{row} .meta"), "Physician"))
        self.page.driver.find_element(By.XPATH, f"//li[@data-user='{email}']//button[text()='Deactivate']").click()
        WebDriverWait(self.page.driver, 10).until(
            EC.text_to_be_present_in_element((By.CSS_SELECTOR, f"{row} .meta"), "deactivated"))
        self.assertEqual(api("POST", "/v1/auth/login", {"tenant": "northside", "email": email,
                                                        "password": "a long enough first password"})[0], 401)
        # No controls on one's own row: nobody changes their own role.
        own = self.page.driver.find_element(By.CSS_SELECTOR, 'li[data-user="admin@northside.example"]')
        self.assertEqual(own.find_elements(By.TAG_NAME, "button"), [])


if __name__ == "__main__":
    unittest.main()
