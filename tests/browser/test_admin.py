"""The audit log (admins and auditors) and user administration (admins)."""

import unittest
import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from browser import PASSWORD, BrowserTest, api, token


class AuditLogTests(BrowserTest):
    def test_the_auditor_checks_that_the_log_is_intact(self):
        self.page.log_in("northside", "auditor@northside.example")
        self.page.heading("Welcome")
        self.page.driver.find_element(By.LINK_TEXT, "Audit log").click()
        self.page.heading("Audit log")
        self.page.driver.find_element(By.XPATH, "//button[normalize-space()='Check that the audit log is intact']").click()
        result = self.page.driver.find_element(By.CSS_SELECTOR, "[data-chain]")
        WebDriverWait(self.page.driver, 20).until(lambda d: result.text.startswith("Intact: "))
        self.assertRegex(result.text, r"Intact: \d+ events checked, up to .+ \(chain head [0-9a-f]{16}…\)\.")

    def test_filters_and_pages_the_log(self):
        self.assertEqual(api("POST", "/v1/auth/login", {"tenant": "northside", "email": "auditor@northside.example",
                                                        "password": PASSWORD})[0], 200)
        self.page.log_in("northside", "admin@northside.example")
        self.page.heading("Welcome")
        self.page.driver.find_element(By.LINK_TEXT, "Audit log").click()
        self.page.heading("Audit log")
        WebDriverWait(self.page.driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "tr[data-action]"))
        self.assertAccessible("audit")
        Select(self.page.driver.find_element(By.NAME, "action")).select_by_value("auth.login")
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
        Select(self.page.driver.find_element(By.NAME, "action")).deselect_all()
        Select(self.page.driver.find_element(By.NAME, "user_id")).select_by_visible_text("Anyone")
        self.page.driver.execute_script(
            "document.querySelector('[name=from]').value = '2000-01-01T00:00';"
            "document.querySelector('[name=to]').value = '2100-01-01T00:00';")
        self.page.submit()
        WebDriverWait(self.page.driver, 10).until(lambda d: not d.find_elements(By.CSS_SELECTOR, "main form[aria-busy]"))
        self.assertEqual(set(self.page.texts("main .message.error")), {""})
        self.assertGreater(len(self.page.texts("tr[data-action]")), 0)
        self.page.screenshots("audit-filter")
        # A refused query leaves no rows of another one under its error.
        self.page.driver.execute_script(
            "const real = window.fetch;"
            "window.fetch = (url, init) => String(url).includes('/v1/audit-events') ? Promise.resolve(new Response("
            "'{\"type\":\"about:blank\",\"title\":\"Unprocessable\",\"status\":422,\"detail\":\"from is after to\"}',"
            "{status: 422, headers: {'Content-Type': 'application/problem+json'}})) : real(url, init);")
        self.page.submit()
        self.page.message("The filters are not right")
        self.assertEqual(self.page.texts("tr[data-action]"), [])

    def test_the_rows_and_the_words_above_them_come_from_one_answer(self):
        self.page.log_in("northside", "auditor@northside.example")
        self.page.heading("Welcome")
        self.page.open("/#/audit")
        self.page.heading("Audit log")
        driver = self.page.driver
        shown_for = lambda: driver.find_element(By.CSS_SELECTOR, "[data-shown-for]").text
        row_count = lambda: len(driver.find_elements(By.CSS_SELECTOR, "table.events tbody tr"))
        self.page.choose_audit_patient("NS-1001")
        self.page.submit()
        WebDriverWait(driver, 10).until(lambda d: "MRN NS-1001" in shown_for() and row_count() > 0)
        # Another patient chosen: the first one's rows go, never shown under the new name.
        self.page.choose_audit_patient("NS-1002")
        self.assertEqual((row_count(), shown_for()), (0, ""))
        # A date that is no date: an error at its field, and nothing shown.
        driver.execute_script("document.querySelector('[name=to]').value = '20261-12-31T10:00'")
        self.page.submit()
        WebDriverWait(driver, 10).until(lambda d: "Until is not a date and time." in self.page.field_error("to"))
        self.assertEqual((row_count(), shown_for()), (0, ""))
        # Until before From: an error, not "0 events".
        driver.execute_script("document.querySelector('[name=from]').value = '2026-12-02T10:00';"
                              "document.querySelector('[name=to]').value = '2026-12-01T10:00'")
        self.page.submit()
        WebDriverWait(driver, 10).until(lambda d: "Until is before From." in self.page.field_error("to"))
        self.assertEqual(row_count(), 0)
        # Put right, the answer and its words come together.
        driver.execute_script("document.querySelector('[name=to]').value = ''")
        self.page.submit()
        WebDriverWait(driver, 10).until(lambda d: "MRN NS-1002" in shown_for())
        self.assertEqual(self.page.field_error("to"), "")

    def test_several_actions_at_once_and_dates_shown_whole(self):
        self.page.log_in("northside", "auditor@northside.example")
        self.page.heading("Welcome")
        self.page.open("/#/audit")
        self.page.heading("Audit log")
        driver = self.page.driver
        actions = Select(driver.find_element(By.NAME, "action"))
        actions.select_by_visible_text("Logged in")
        actions.select_by_visible_text("Signed a note")
        self.page.submit()
        WebDriverWait(driver, 10).until(
            lambda d: set(self.page.texts("tr[data-action]", "data-action")) == {"auth.login", "note.sign"})
        self.assertEqual(driver.find_element(By.CSS_SELECTOR, "[data-shown-for]").text,
                         "Every event: Logged in; Signed a note")
        # A date and time field is wide enough for its whole value and its picker, on desktop.
        driver.execute_script("document.querySelector('[name=from]').value = '2026-12-31T11:59';")
        needed, width = driver.execute_script(
            "const input = document.querySelector('[name=from]'); const style = getComputedStyle(input);"
            "const pen = document.createElement('canvas').getContext('2d'); pen.font = style.font;"
            "const text = pen.measureText('12/31/2026, 11:59 PM').width;"
            "return [text + parseFloat(style.paddingLeft) + parseFloat(style.paddingRight) + 28, input.clientWidth];")
        self.assertGreaterEqual(width, needed)

    def test_who_looked_at_a_patient(self):
        access = token("physician@northside.example")
        mrn = "AU-" + uuid.uuid4().hex[:6]
        status, patient = api("POST", "/v1/patients", {
            "mrn": mrn, "given_name": "=Zoë", "family_name": "Brontë", "birth_date": "1980-02-03", "sex": "female"},
            access)
        self.assertEqual(status, 201, patient)
        self.assertEqual(api("GET", f"/v1/patients/{patient['id']}", None, access)[0], 200)
        self.page.log_in("northside", "auditor@northside.example")
        self.page.heading("Welcome")
        self.page.open("/#/audit")
        self.page.heading("Audit log")
        # The actions offered are exactly the ones the server records, each in words.
        offered = self.page.texts("select[name=action] option", "value")
        document = self.page.driver.execute_async_script(
            "const done = arguments[0]; fetch('/openapi.json').then(r => r.json())"
            ".then(d => done(d.components.schemas.AuditAction.enum))")
        self.assertEqual(offered, document)
        self.assertNotIn("patient.read", self.page.texts("select[name=action] option"))
        # Found by name, chosen, and named in the table.
        self.page.choose_audit_patient("brontë", mrn)
        self.assertIn("Brontë, =Zoë · MRN " + mrn, self.page.driver.find_element(By.CSS_SELECTOR, ".chosen").text)
        Select(self.page.driver.find_element(By.NAME, "action")).select_by_visible_text("Opened a patient's record")
        self.page.submit()
        WebDriverWait(self.page.driver, 10).until(
            lambda d: self.page.texts("tr[data-action]", "data-action") == ["patient.read"])
        cells = self.page.texts("tr[data-action] td")
        self.assertIn(f"Brontë, =Zoë (MRN {mrn})", cells)
        self.assertIn("Dr. Morgan Physician", cells)
        self.assertIn("Opened a patient's record", cells)
        self.page.screenshots("audit-patient")
        # The CSV holds the same question's answer, safe to open in a spreadsheet.
        # The file's text is read from the page; the browser is told to keep nothing on disk.
        self.page.driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "deny"})
        self.page.driver.execute_script(
            "window.csvFiles = []; const real = URL.createObjectURL;"
            "URL.createObjectURL = (blob) => { window.csvFiles.push(blob); return real.call(URL, blob); };")
        self.page.driver.find_element(By.XPATH, "//button[text()='Download CSV']").click()
        WebDriverWait(self.page.driver, 10).until(
            lambda d: "written to the CSV file" in d.find_element(By.CSS_SELECTOR, "main [role=status]").text
            or d.find_element(By.CSS_SELECTOR, "main .message.error").text,
            "no CSV")
        self.assertEqual(set(self.page.texts("main .message.error")), {""})
        text = self.page.driver.execute_async_script(
            "const done = arguments[0]; const wait = () => window.csvFiles.length"
            " ? window.csvFiles[0].text().then(done) : setTimeout(wait, 50); wait();")
        lines = text.strip().split("\r\n")
        self.assertTrue(lines[0].startswith("occurred_at,action,action_name,outcome,user"), lines[0])
        self.assertEqual(len(lines), 2, lines)
        self.assertIn(f",Brontë,'=Zoë,{patient['id']},", lines[1])
        self.assertIn("patient.read,Opened a patient's record,success,Dr. Morgan Physician,", lines[1])
        self.assertEqual(self.page.console_errors(), [])


    def test_who_accessed_this_patient(self):
        """Issue 31: the access report, found with the auditor's patient finder, in the server's
        words, with the search that showed the patient, and the same period as a CSV file."""
        access = token("physician@northside.example")
        mrn = "AR-" + uuid.uuid4().hex[:6]
        status, patient = api("POST", "/v1/patients", {
            "mrn": mrn, "given_name": "Ines", "family_name": "Quist", "birth_date": "1961-07-08", "sex": "female"}, access)
        self.assertEqual(status, 201, patient)
        self.assertEqual(api("GET", f"/v1/patients/{patient['id']}", None, access)[0], 200)
        self.assertEqual(api("GET", "/v1/patients?q=Quist", None, token("nurse@northside.example"))[0], 200)
        self.page.log_in("northside", "auditor@northside.example")
        self.page.heading("Welcome")
        self.page.open("/#/audit")
        self.page.heading("Audit log")
        driver = self.page.driver
        report = driver.find_element(By.CSS_SELECTOR, "section[aria-labelledby=access-report-title]")
        show = report.find_element(By.XPATH, ".//button[normalize-space()='Show who accessed the record']")
        # No patient chosen: said at the finder, nothing shown.
        show.click()
        WebDriverWait(driver, 10).until(lambda d: "must be chosen" in self.page.field_error("report-patient"))
        search = driver.find_element(By.ID, "report-patient")
        search.send_keys("Quist\n")
        choice = WebDriverWait(driver, 10).until(lambda d: next(
            (b for b in report.find_elements(By.CSS_SELECTOR, ".choices button") if f"MRN {mrn}" in b.text), None))
        choice.click()
        show.click()
        rows = "section[aria-labelledby=access-report-title] tr[data-action]"
        WebDriverWait(driver, 10).until(lambda d: "patient.list" in self.page.texts(rows, "data-action"))
        # Created and opened by the physician, listed in the nurse's search and in the auditor's
        # own search for them (the auditor's look at the log, which named them too, is the
        # reader's own reading, left out as in the log's patient view).
        self.assertEqual(self.page.texts(rows, "data-action"),
                         ["patient.create", "patient.read", "patient.list", "patient.list"])
        self.assertIn(f"Who accessed Quist, Ines (MRN {mrn})", driver.find_element(By.CSS_SELECTOR, "[data-report-for]").text)
        cells = self.page.texts(f"{rows} td")
        self.assertIn("Dr. Morgan Physician", cells)
        self.assertIn("Opened a patient's record", cells)
        self.assertIn("Listed or searched patients (the patient was among those shown)", cells)
        self.assertAccessible("audit-report")
        self.page.screenshots("audit-access-report")
        # The CSV: the same period, from the server, handed to the download from memory.
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "deny"})
        driver.execute_script(
            "window.csvFiles = []; const real = URL.createObjectURL;"
            "URL.createObjectURL = (blob) => { window.csvFiles.push(blob); return real.call(URL, blob); };")
        report.find_element(By.XPATH, ".//button[text()='Download CSV']").click()
        text = driver.execute_async_script(
            "const done = arguments[0]; const wait = () => window.csvFiles.length"
            " ? window.csvFiles[0].text().then(done) : setTimeout(wait, 50); wait();")
        lines = text.strip().split("\r\n")
        self.assertTrue(lines[0].startswith("occurred_at,user_name,user_id,role,action,action_text"), lines[0])
        # The same four events.
        self.assertEqual(len(lines), 5, lines)
        self.assertIn(",Dr. Morgan Physician,", lines[2])
        self.assertIn(",patient.read,Opened a patient's record,patient,", lines[2])
        self.assertEqual(set(self.page.texts("main .message.error")), {""})
        self.assertEqual(self.page.console_errors(), [])


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
        # Each change that ends the user's sessions asks first, naming the user; Cancel changes nothing.
        dialog = WebDriverWait(self.page.driver, 10).until(
            EC.visibility_of_element_located((By.CSS_SELECTOR, "dialog[open]")))
        self.assertIn("Make Sam Second physician?", dialog.text)
        dialog.find_element(By.XPATH, ".//button[text()='Cancel']").click()
        self.assertIn("Nurse", self.page.driver.find_element(By.CSS_SELECTOR, f"{row} .meta").text)
        self.page.driver.find_element(By.XPATH, f"//li[@data-user='{email}']//button[text()='Change role']").click()
        WebDriverWait(self.page.driver, 10).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "dialog[open]")))
        self.page.driver.find_element(By.XPATH, "//dialog//button[text()='Change the role']").click()
        WebDriverWait(self.page.driver, 10).until(
            EC.text_to_be_present_in_element((By.CSS_SELECTOR, f"{row} .meta"), "Physician"))
        self.assertEqual(self.page.message("is now physician"), "Sam Second is now physician.")
        self.page.driver.find_element(By.XPATH, f"//li[@data-user='{email}']//button[text()='Deactivate']").click()
        dialog = WebDriverWait(self.page.driver, 10).until(
            EC.visibility_of_element_located((By.CSS_SELECTOR, "dialog[open]")))
        self.assertIn("Deactivate Sam Second?", dialog.text)
        dialog.find_element(By.XPATH, ".//button[text()='Deactivate']").click()
        WebDriverWait(self.page.driver, 10).until(
            EC.text_to_be_present_in_element((By.CSS_SELECTOR, f"{row} .meta"), "deactivated"))
        self.page.message("logged out everywhere")
        self.assertEqual(api("POST", "/v1/auth/login", {"tenant": "northside", "email": email,
                                                        "password": "a long enough first password"})[0], 401)
        # No controls on one's own row: nobody changes their own role.
        own = self.page.driver.find_element(By.CSS_SELECTOR, 'li[data-user="admin@northside.example"]')
        self.assertEqual(own.find_elements(By.TAG_NAME, "button"), [])


if __name__ == "__main__":
    unittest.main()
