"""The SOAP editor: versions on save (never per keystroke), autosave, the 412 conflict shown to
the second of two sessions, sign, amend, and who may see notes at all."""

import unittest
import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from browser import BASE, IDLE_BASE, BrowserTest, Page, api, token, versions


def new_encounter(email="physician@northside.example", base=BASE):
    """A patient with an encounter in progress, made through the API: (token, patient, encounter)."""
    access = token(email, base=base)
    # A birth date of its own: the same name and date would be a possible duplicate (409).
    serial = uuid.uuid4().int
    born = f"{1940 + serial % 60}-{1 + serial // 60 % 12:02d}-{1 + serial // 720 % 28:02d}"
    status, patient = api("POST", "/v1/patients", {
        "mrn": "N-" + uuid.uuid4().hex[:8], "given_name": "Noor", "family_name": "Haddad",
        "birth_date": born, "sex": "female"}, access, base=base)
    assert status == 201, patient
    status, encounter = api("POST", f"/v1/patients/{patient['id']}/encounters",
                            {"type": "in_person", "status": "in_progress", "reason": "Fever"}, access, base=base)
    assert status == 201, encounter
    return access, patient, encounter


def new_draft(access, encounter, base=BASE):
    status, note = api("POST", f"/v1/encounters/{encounter['id']}/notes",
                       {"subjective": "", "objective": "", "assessment": "", "plan": ""}, access, base=base)
    assert status == 201, note
    return note


class NoteTests(BrowserTest):
    def state(self, text, page=None, timeout=10):
        page = page or self.page
        WebDriverWait(page.driver, timeout).until(
            EC.text_to_be_present_in_element((By.CSS_SELECTOR, "main .state"), text))

    def follow(self, text, page=None):
        """Follows the link, scrolled to the middle of the window (see `click`)."""
        driver = (page or self.page).driver
        link = driver.find_element(By.LINK_TEXT, text)
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
        link.click()

    def type_into(self, section, text, page=None):
        (page or self.page).driver.find_element(By.NAME, section).send_keys(text)

    def open_draft(self, note_id, email="physician@northside.example"):
        """Logs in as `email` and opens the draft note's editor."""
        self.page.log_in("northside", email)
        self.page.heading("Welcome")
        self.page.open(f"/#/notes/{note_id}")
        self.page.heading("Draft note")

    def click(self, label, page=None):
        """Clicks the button, scrolled to the middle of the window: in the editor the patient
        banner stays at the top, over whatever is scrolled beneath it."""
        driver = (page or self.page).driver
        button = driver.find_element(By.XPATH, f"//button[normalize-space()='{label}']")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
        button.click()

    def test_write_save_twice_sign_and_amend(self):
        access, patient, encounter = new_encounter()
        self.page.log_in("northside", "physician@northside.example")
        self.page.heading("Welcome")
        self.page.open(f"/#/patients/{patient['id']}")
        self.page.heading("Haddad, Noor")
        self.page.driver.find_element(By.LINK_TEXT, "Notes").click()
        self.page.heading("Encounter of")
        self.click("Write a new note")
        self.page.heading("Draft note")
        self.assertRegex(self.page.driver.current_url, r"#/notes/[0-9a-f-]{36}$")
        note_id = self.page.driver.current_url.rsplit("/", 1)[1]

        self.type_into("subjective", "Fever since Monday")
        self.click("Save as a new version")
        self.state("Version 2, saved")
        self.type_into("objective", "T 38.4, throat red")
        self.type_into("assessment", "Pharyngitis")
        self.click("Save as a new version")
        self.state("Version 3, saved")
        self.assertAccessible("note-editor")

        # Signing asks first, naming the patient the note is about; cancelling signs nothing.
        self.click("Sign")
        dialog = WebDriverWait(self.page.driver, 10).until(
            EC.visibility_of_element_located((By.CSS_SELECTOR, "dialog[open]")))
        self.assertIn(f"I attest that this note for Haddad, Noor (MRN {patient['mrn']}, born {patient['birth_date']}) "
                      "is accurate and complete", dialog.text)
        self.page.screenshots("attestation")
        self.click("Cancel")
        self.assertEqual(api("GET", f"/v1/notes/{note_id}", None, access)[1]["status"], "draft")
        self.click("Sign")
        WebDriverWait(self.page.driver, 10).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "dialog[open]")))
        self.click("Sign the note")
        self.page.heading("Signed note")
        signature = self.page.driver.find_element(By.CSS_SELECTOR, "dl.signature").text
        self.assertIn("you", signature)
        self.assertRegex(signature, r"[0-9a-f]{64}")
        self.assertIn("Signed version\n3", signature)
        self.assertEqual(self.page.driver.find_elements(By.CSS_SELECTOR, "form.soap"), [], "no editor once signed")
        self.assertEqual(self.page.driver.find_element(By.CSS_SELECTOR, '[data-section="subjective"]').text,
                         "Fever since Monday")
        self.assertAccessible("note-signed")

        self.page.driver.find_element(By.XPATH, "//summary[normalize-space()='Amend this note']").click()
        box = self.page.driver.find_element(By.ID, "amend-objective")
        box.clear()
        box.send_keys("T 38.9, throat red")
        self.page.fill(reason="Temperature misread")
        self.click("Amend the note")
        self.page.heading("Amended note")
        # The note tells its own story: author, signature, and the amendment's who, when and why.
        WebDriverWait(self.page.driver, 10).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, '[data-provenance="amendment"]'))
        story = self.page.texts(".provenance li")
        self.assertEqual(len(story), 3, story)
        self.assertIn("Written by you", story[0])
        self.assertIn("Signed by you", story[1])
        self.assertIn("(version 3)", story[1])
        self.assertIn("Amended by you", story[2])
        self.assertIn("(version 4): Temperature misread", story[2])

        # The history: every version, and the amendment's change word by word.
        self.page.driver.find_element(By.LINK_TEXT, "History").click()
        self.page.heading("History of the note")
        self.assertEqual(len(self.page.driver.find_elements(By.CSS_SELECTOR, "li[data-version]")), 4)
        self.assertEqual(self.page.texts("li[data-signed]", "data-version"), ["3"], "the signed version is marked")
        # The compared versions are read by number after the list: wait for the diff itself.
        objective = WebDriverWait(self.page.driver, 10).until(
            lambda d: d.find_element(By.CSS_SELECTOR, '[data-diff="objective"]'))
        self.assertEqual([e.text for e in objective.find_elements(By.TAG_NAME, "del")], ["38.4,"])
        self.assertEqual([e.text for e in objective.find_elements(By.TAG_NAME, "ins")], ["38.9,"])
        # A version's text is read when its row is opened (the list carries no sections).
        first = self.page.driver.find_element(By.CSS_SELECTOR, 'li[data-version="1"] details')
        first.find_element(By.TAG_NAME, "summary").click()
        WebDriverWait(self.page.driver, 10).until(lambda d: "Subjective:" in first.text)
        self.assertAccessible("note-history")

        # Every step in the audit log, as the clinic's auditor sees it.
        auditor = Page()
        try:
            auditor.log_in("northside", "auditor@northside.example")
            auditor.heading("Welcome")
            auditor.open("/#/audit")
            auditor.heading("Audit log")
            auditor.choose_audit_patient(patient["mrn"])
            auditor.submit()
            # The filtered answer, not the unfiltered first page still on screen before it.
            WebDriverWait(auditor.driver, 10).until(
                lambda d: not d.find_elements(By.CSS_SELECTOR, "main form[aria-busy]")
                and d.find_elements(By.CSS_SELECTOR, 'tr[data-action="note.amend"]'))
            steps = auditor.texts("tr[data-action]", "data-action")
            # People by name (GET /v1/staff), not by id.
            self.assertIn("Dr. Morgan Physician",
                          auditor.driver.find_element(By.CSS_SELECTOR, 'tr[data-action="note.sign"]').text)
            for action in ("patient.create", "encounter.create", "note.create", "note.update", "note.sign",
                           "note.amend", "note.versions"):
                self.assertIn(action, steps)
            self.assertEqual(auditor.console_errors(), [])
        finally:
            auditor.close()

        history = versions(note_id, access)
        self.assertEqual([v["version"] for v in history], [1, 2, 3, 4])
        self.assertEqual(history[3]["reason"], "Temperature misread")
        self.assertEqual(history[3]["objective"], "T 38.9, throat red")
        _, events = api("GET", f"/v1/audit-events?entity_id={note_id}&limit=50", None, token("auditor@northside.example"))
        actions = [e["action"] for e in events["items"]]
        for action in ("note.create", "note.update", "note.sign", "note.amend"):
            self.assertIn(action, actions)

    def test_autosave_writes_a_version_only_when_the_text_changed(self):
        access, _, encounter = new_encounter("nurse@northside.example")
        note = new_draft(access, encounter)
        self.open_draft(note['id'], "nurse@northside.example")
        self.assertEqual(self.page.driver.find_elements(By.XPATH, "//button[normalize-space()='Sign']"), [],
                         "nurses do not sign")
        self.type_into("plan", "Fluids, rest")
        self.state("changes not saved yet")
        self.state("Version 2, saved at", timeout=12)
        # Saving with nothing changed keeps no version.
        self.click("Save as a new version")
        self.state("Version 2, saved")
        _, current = api("GET", f"/v1/notes/{note['id']}", None, access)
        self.assertEqual((current["version"], current["plan"]), (2, "Fluids, rest"))

    def test_a_version_is_kept_at_a_pause_not_per_keystroke(self):
        access, _, encounter = new_encounter()
        note = new_draft(access, encounter)
        self.open_draft(note['id'])
        for word in ("Sore ", "throat ", "for ", "two ", "days"):
            self.type_into("subjective", word)
        self.state("Version 2, saved at", timeout=12)
        self.type_into("assessment", "Viral pharyngitis")
        self.state("Version 3, saved at", timeout=12)
        self.assertEqual([(v["subjective"], v["assessment"]) for v in versions(note["id"], access)],
                         [("", ""), ("Sore throat for two days", ""), ("Sore throat for two days", "Viral pharyngitis")])

    def test_text_typed_just_before_leaving_is_saved(self):
        access, _, encounter = new_encounter()
        note = new_draft(access, encounter)
        self.open_draft(note['id'])
        # Straight to History, well within the pause: the text goes first.
        self.type_into("plan", "Recheck in a week")
        self.follow("History")
        self.page.heading("History of the note")
        _, current = api("GET", f"/v1/notes/{note['id']}", None, access)
        self.assertEqual(current["plan"], "Recheck in a week")
        # And straight to Log out.
        self.follow("Back to the note")
        self.page.heading("Draft note")
        self.type_into("objective", "Afebrile")
        self.page.driver.find_element(By.ID, "logout").click()
        self.page.heading("Log in")
        _, current = api("GET", f"/v1/notes/{note['id']}", None, access)
        self.assertEqual((current["objective"], current["plan"]), ("Afebrile", "Recheck in a week"))

    def test_closing_the_page_with_unsaved_text_warns_and_saves_it(self):
        access, _, encounter = new_encounter()
        note = new_draft(access, encounter)
        self.open_draft(note['id'])
        unload = ("const e = new Event('beforeunload', {cancelable: true}); window.dispatchEvent(e);"
                  "return e.defaultPrevented")
        self.assertFalse(self.page.driver.execute_script(unload), "nothing to warn about yet")
        self.type_into("assessment", "Otitis media")
        # The browser asks before closing (WebDriver itself accepts that question when it reloads).
        self.assertTrue(self.page.driver.execute_script(unload), "no warning before leaving unsaved text")
        self.page.driver.refresh()
        WebDriverWait(self.page.driver, 10).until(
            lambda _: api("GET", f"/v1/notes/{note['id']}", None, access)[1]["assessment"] == "Otitis media",
            "the text typed before closing was not saved")

    def test_a_failed_save_stays_in_view_until_a_retry_succeeds(self):
        access, _, encounter = new_encounter()
        note = new_draft(access, encounter)
        self.open_draft(note['id'])
        # More than a section may hold: the server refuses it (422), the text stays.
        self.page.driver.execute_script(
            "const box = document.querySelector('[name=plan]'); box.value = 'x'.repeat(100001);"
            "box.dispatchEvent(new Event('input', {bubbles: true}));")
        self.click("Save as a new version")
        banner = WebDriverWait(self.page.driver, 10).until(
            EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-save-failure]")))
        self.assertIn("not saved", banner.text)
        self.page.driver.execute_script("window.scrollTo(0, document.body.scrollHeight)")
        top = self.page.driver.execute_script(
            "return document.querySelector('[data-save-failure]').getBoundingClientRect().top")
        self.assertTrue(0 <= top < 200, f"the failure scrolled out of view ({top})")
        self.assertEqual(len(self.page.driver.find_element(By.NAME, "plan").get_attribute("value")), 100001)
        self.page.driver.execute_script(
            "const box = document.querySelector('[name=plan]'); box.value = 'Shorter now';"
            "box.dispatchEvent(new Event('input', {bubbles: true}));")
        self.click("Retry")
        WebDriverWait(self.page.driver, 10).until(
            EC.invisibility_of_element_located((By.CSS_SELECTOR, "[data-save-failure]")))
        self.assertEqual(api("GET", f"/v1/notes/{note['id']}", None, access)[1]["plan"], "Shorter now")

    def two_editors(self, note):
        """The note open in a nurse's page (self.page) and a physician's (answered)."""
        other = Page()
        for page, email in ((self.page, "nurse@northside.example"), (other, "physician@northside.example")):
            page.log_in("northside", email)
            page.heading("Welcome")
            page.open(f"/#/notes/{note['id']}")
            page.heading("Draft note")
        return other

    def conflict(self, other, plan=None):
        """The nurse (self.page) saves a subjective, and the physician (`other`) then saves
        another from the version before: the merge panel opens in `other`, and is answered."""
        self.type_into("subjective", "Written by the nurse")
        if plan:
            self.type_into("plan", plan)
        self.click("Save as a new version")
        self.state("Version 2, saved")
        self.type_into("subjective", "Written by the physician", other)
        self.click("Save as a new version", other)
        return WebDriverWait(other.driver, 10).until(
            EC.visibility_of_element_located((By.CSS_SELECTOR, "main .conflict")))

    def nurse_saves(self, note, **sections):
        """The nurse saves a version through the API, from the note's current version."""
        nurse = token("nurse@northside.example")
        _, current = api("GET", f"/v1/notes/{note['id']}", None, nurse)
        body = {key: current[key] for key in ("subjective", "objective", "assessment", "plan")}
        body.update(sections)
        status, saved = api("PUT", f"/v1/notes/{note['id']}", body, nurse,
                            headers={"If-Match": f'"{current["version"]}"'})
        self.assertEqual(status, 200, saved)
        return saved

    def not_signed(self, text):
        """The pinned line that says why the note was not signed, shown with `text`, in view."""
        line = WebDriverWait(self.page.driver, 10).until(
            EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-not-signed]")))
        WebDriverWait(self.page.driver, 10).until(lambda d: text in line.text)
        in_view = self.page.driver.execute_script(
            "const r = arguments[0].getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight;", line)
        self.assertTrue(in_view, "the reason is in view")

    def test_words_merged_in_are_read_before_the_attestation_opens(self):
        access, _, encounter = new_encounter()
        note = new_draft(access, encounter)
        self.open_draft(note["id"])
        # The physician writes a plan, unsaved, while the nurse saves a lab result in Objective.
        self.type_into("plan", "Recheck potassium tomorrow.")
        self.nurse_saves(note, objective="K+ 5.9 on today's labs")
        self.click("Sign")
        # Signing stops: the nurse's words are shown highlighted, and no attestation opens.
        self.not_signed("Not signed yet")
        review = self.page.driver.find_element(By.CSS_SELECTOR, '[data-incoming="objective"]')
        self.assertIn("K+ 5.9 on today's labs", review.find_element(By.TAG_NAME, "ins").text)
        self.assertEqual(self.page.driver.find_elements(By.CSS_SELECTOR, "dialog[open]"), [])
        _, current = api("GET", f"/v1/notes/{note['id']}", None, access)
        self.assertEqual(current["status"], "draft")
        self.assertEqual((current["objective"], current["plan"]), ("K+ 5.9 on today's labs", "Recheck potassium tomorrow."))
        # Read, the note can be signed as it now is: both sides' words, the version the physician saw.
        self.click("I have read these changes")
        self.assertFalse(self.page.driver.find_element(By.CSS_SELECTOR, "[data-not-signed]").is_displayed())
        self.click("Sign")
        WebDriverWait(self.page.driver, 10).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "dialog[open]")))
        self.click("Sign the note")
        self.page.heading("Signed note")
        _, signed = api("GET", f"/v1/notes/{note['id']}", None, access)
        self.assertEqual((signed["status"], signed["signed_version"]), ("signed", current["version"]))

    def test_a_sign_refused_for_a_newer_version_says_so_in_view_with_the_changes(self):
        access, _, encounter = new_encounter()
        note = new_draft(access, encounter)
        self.open_draft(note["id"])
        self.click("Sign")
        WebDriverWait(self.page.driver, 10).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "dialog[open]")))
        # While the attestation is open, with nothing typed here, the nurse saves an allergy.
        self.nurse_saves(note, subjective="ALLERGY: penicillin")
        self.click("Sign the note")
        self.not_signed("Not signed: the note changed. Review the changes and sign again")
        review = self.page.driver.find_element(By.CSS_SELECTOR, '[data-incoming="subjective"]')
        self.assertIn("ALLERGY: penicillin", review.find_element(By.TAG_NAME, "ins").text)
        self.assertEqual(self.page.driver.find_element(By.NAME, "subjective").get_attribute("value"), "ALLERGY: penicillin")
        self.assertEqual(api("GET", f"/v1/notes/{note['id']}", None, access)[1]["status"], "draft")

    def test_logging_out_in_another_tab_saves_this_tabs_text_first(self):
        access, _, encounter = new_encounter()
        note = new_draft(access, encounter)
        self.open_draft(note["id"])
        editor = self.page.driver.current_window_handle
        self.page.driver.switch_to.new_window("tab")
        self.page.open("/")  # the same session: this tab restores it
        self.page.heading("Welcome")
        home = self.page.driver.current_window_handle
        # Typed a moment ago, well within the autosave's pause; then the other tab logs out.
        self.page.driver.switch_to.window(editor)
        self.type_into("plan", "Start amoxicillin 500 mg three times a day.")
        self.page.driver.switch_to.window(home)
        self.page.driver.find_element(By.ID, "logout").click()
        self.page.heading("Log in")
        _, current = api("GET", f"/v1/notes/{note['id']}", None, access)
        self.assertEqual(current["plan"], "Start amoxicillin 500 mg three times a day.")
        self.page.driver.switch_to.window(editor)
        self.page.heading("Log in")

    def test_changes_to_different_sections_merge_by_themselves(self):
        access, _, encounter = new_encounter()
        note = new_draft(access, encounter)
        api("PUT", f"/v1/notes/{note['id']}", {"subjective": "Cough", "objective": "", "assessment": "", "plan": ""},
            access, headers={"If-Match": '"1"'})
        other = self.two_editors(note)
        try:
            # The nurse adds a sentence to the assessment; the physician, unaware, changes the subjective only.
            self.type_into("assessment", "Likely viral.")
            self.click("Save as a new version")
            self.state("Version 3, saved")
            self.type_into("subjective", " for three days", other)
            self.click("Save as a new version", other)
            self.state("Version 4, saved", other)
            self.assertEqual(other.driver.find_elements(By.CSS_SELECTOR, "main .conflict:not([hidden])"), [],
                             "no choice to make: each changed a section of their own")
            self.assertEqual(other.driver.find_element(By.NAME, "assessment").get_attribute("value"), "Likely viral.")
            _, current = api("GET", f"/v1/notes/{note['id']}", None, access)
            self.assertEqual((current["subjective"], current["assessment"]), ("Cough for three days", "Likely viral."))
            self.assertEqual(other.console_errors(), [])
        finally:
            other.close()

    def test_the_second_of_two_sessions_sees_the_conflict_and_loses_nothing(self):
        access, _, encounter = new_encounter()
        note = new_draft(access, encounter)
        other = self.two_editors(note)
        try:
            # Both change the subjective; only the nurse the plan, which merges by itself.
            panel = self.conflict(other, plan="Amoxicillin 500 mg twice daily")
            self.assertIn("saved by Riley Nurse at", panel.text)
            self.assertEqual([e.get_attribute("data-merge") for e in panel.find_elements(By.CSS_SELECTOR, "[data-merge]")],
                             ["subjective"], "only the section both changed asks for a choice")
            theirs = other.driver.find_element(By.CSS_SELECTOR, '[data-theirs="subjective"]')
            self.assertEqual([e.text for e in theirs.find_elements(By.TAG_NAME, "ins")], ["Written by the nurse"])
            mine = other.driver.find_element(By.CSS_SELECTOR, '[data-mine="subjective"]')
            self.assertEqual([e.text for e in mine.find_elements(By.TAG_NAME, "ins")], ["Written by the physician"])
            self.assertEqual(other.driver.find_element(By.NAME, "plan").get_attribute("value"),
                             "Amoxicillin 500 mg twice daily")
            self.assertAccessible("note-conflict", other)
            other.screenshots("three-way-merge")
            self.assertEqual(api("GET", f"/v1/notes/{note['id']}", None, access)[1]["version"], 2, "nothing overwritten")

            self.click("Keep my subjective", other)
            self.click("Save the merged note", other)
            self.state("Version 3, saved", other)
            self.assertEqual([(v["subjective"], v["plan"]) for v in versions(note["id"], access)],
                             [("", ""), ("Written by the nurse", "Amoxicillin 500 mg twice daily"),
                              ("Written by the physician", "Amoxicillin 500 mg twice daily")])

            # A changed dose reads as one change in History.
            other.driver.find_element(By.NAME, "plan").clear()
            self.type_into("plan", "Amoxicillin 1 g twice daily", other)
            self.click("Save as a new version", other)
            self.state("Version 4, saved", other)
            other.open(f"/#/notes/{note['id']}/history")
            other.heading("History of the note")
            plan = WebDriverWait(other.driver, 10).until(lambda d: d.find_element(By.CSS_SELECTOR, '[data-diff="plan"]'))
            self.assertEqual([e.text for e in plan.find_elements(By.TAG_NAME, "del")], ["500 mg"])
            self.assertEqual([e.text for e in plan.find_elements(By.TAG_NAME, "ins")], ["1 g"])
            # The history names who wrote each version.
            authors = [e.text for e in other.driver.find_elements(By.CSS_SELECTOR, "li[data-version] .meta")]
            self.assertIn("by Riley Nurse", authors[1])
            self.assertIn("by you", authors[2])
            self.assertEqual(other.console_errors(), [])
        finally:
            other.close()

    def test_text_typed_in_a_conflict_is_unsaved_text_like_any_other(self):
        access, _, encounter = new_encounter()
        note = new_draft(access, encounter)
        other = self.two_editors(note)
        try:
            self.conflict(other)
            self.type_into("plan", "Typed during the conflict", other)
            # A reload (or closing the tab) asks first, as with any unsaved text.
            asks = other.driver.execute_script(
                "const leaving = new Event('beforeunload', {cancelable: true});"
                "window.dispatchEvent(leaving); return leaving.defaultPrevented;")
            self.assertTrue(asks, "a reload during the conflict would lose the text without asking")
            # The editor's own Save saves the merge as it stands, not nothing.
            self.click("Save as a new version", other)
            self.state("Version 3, saved", other)
            self.assertFalse(other.driver.find_element(By.CSS_SELECTOR, "main .conflict").is_displayed())
            stored = api("GET", f"/v1/notes/{note['id']}", None, access)[1]
            self.assertEqual((stored["subjective"], stored["plan"]), ("Written by the physician", "Typed during the conflict"))
            self.assertEqual(versions(note["id"], access)[1]["subjective"], "Written by the nurse", "theirs stays in History")
        finally:
            other.close()

    def test_a_version_saved_with_a_conflict_unresolved_is_shown_and_not_signed_until_saved_again(self):
        access, _, encounter = new_encounter()
        note = new_draft(access, encounter)
        nurse = token("nurse@northside.example")
        body = {"subjective": "Written by the nurse", "objective": "", "assessment": "", "plan": ""}
        self.assertEqual(api("PUT", f"/v1/notes/{note['id']}", body, nurse, headers={"If-Match": '"1"'})[0], 200)
        # As the page saves a merge nobody was there to finish (the physician's session ended).
        body.update(subjective="Written by the physician", unresolved_conflict=True)
        self.assertEqual(api("PUT", f"/v1/notes/{note['id']}", body, access, headers={"If-Match": '"2"'})[0], 200)
        self.open_draft(note["id"])
        panel = WebDriverWait(self.page.driver, 10).until(
            EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-unresolved]")))
        WebDriverWait(self.page.driver, 10).until(lambda d: panel.find_elements(By.CSS_SELECTOR, "[data-unresolved-section]"))
        self.assertIn("Version 3 was saved with a conflict unresolved", panel.text)
        changed = panel.find_element(By.CSS_SELECTOR, '[data-unresolved-section="subjective"]')
        self.assertEqual([e.text for e in changed.find_elements(By.TAG_NAME, "del")], ["nurse"])
        self.assertEqual([e.text for e in changed.find_elements(By.TAG_NAME, "ins")], ["physician"])
        sign = self.page.driver.find_element(By.XPATH, "//button[normalize-space()='Sign']")
        self.assertFalse(sign.is_displayed(), "no signature at a version nobody resolved")
        self.assertAccessible("note-unresolved")
        # Kept as it is, on purpose: a new version without the mark, and the note may be signed.
        self.click("Keep this text")
        self.state("Version 4, saved")
        self.assertFalse(panel.is_displayed())
        self.assertTrue(sign.is_displayed())
        latest = api("GET", f"/v1/notes/{note['id']}", None, access)[1]
        self.assertEqual((latest["version"], latest["unresolved_conflict"], latest["subjective"]),
                         (4, False, "Written by the physician"))
        # History keeps the mark on the version that had it.
        self.page.open(f"/#/notes/{note['id']}/history")
        self.page.heading("History of the note")
        marked = [e.get_attribute("data-version") for e in
                  self.page.driver.find_elements(By.CSS_SELECTOR, "li[data-version]:has([data-unresolved])")]
        self.assertEqual(marked, ["3"])

    def test_one_way_of_dates_the_organisation_named_a_narrow_signature_and_a_proxy_error(self):
        access, patient, encounter = new_encounter()
        note = new_draft(access, encounter)
        api("PUT", f"/v1/notes/{note['id']}", {"subjective": "Cough", "objective": "", "assessment": "", "plan": ""},
            access, headers={"If-Match": '"1"'})
        api("POST", f"/v1/notes/{note['id']}/sign", None, access, headers={"If-Match": '"2"'})
        self.page.log_in("northside", "physician@northside.example")
        self.page.heading("Welcome")
        self.assertIn("Northside Family Practice", self.page.driver.find_element(By.ID, "account-name").text)
        self.page.open(f"/#/notes/{note['id']}")
        self.page.heading("Signed note")
        signature = self.page.driver.find_element(By.CSS_SELECTOR, "dl.signature").text
        self.assertRegex(signature, r"Signed at\n\d{4}-\d{2}-\d{2} \d{2}:\d{2}")
        # At phone width each value of the signature still has the width to be read.
        self.page.driver.set_window_size(375, 800)
        widths = self.page.driver.execute_script(
            "return [...document.querySelectorAll('dl.signature dd')].map(d => d.getBoundingClientRect().width)")
        self.assertTrue(all(width > 200 for width in widths), widths)
        self.page.driver.set_window_size(1280, 800)
        # A proxy's HTML error page is said as such, not as a JSON parse error.
        self.page.driver.execute_script(
            "window.fetch = () => Promise.resolve(new Response('<html><h1>502 Bad Gateway</h1></html>', {status: 502}))")
        self.page.driver.find_element(By.LINK_TEXT, "History").click()
        self.page.message("HTTP 502 from the network in between")

    def test_a_planned_time_a_warning_before_finishing_and_the_drafts_waiting_for_a_signature(self):
        access, patient, encounter = new_encounter()
        nurse = token("nurse@northside.example")
        draft = new_draft(nurse, encounter)
        driver = self.page.driver
        # The nurse's draft says it is not signed yet.
        self.page.log_in("northside", "nurse@northside.example")
        self.page.heading("Welcome")
        self.assertIn("Drafts waiting for a physician's signature", driver.find_element(By.ID, "drafts-title").text)
        self.page.open(f"/#/notes/{draft['id']}")
        self.page.heading("Draft note")
        self.assertIn("Awaits a physician's signature", driver.find_element(By.CSS_SELECTOR, "[data-awaits]").text)
        driver.find_element(By.ID, "logout").click()
        self.page.heading("Log in")

        # The physician's start page lists the drafts to sign, the patient named.
        self.page.log_in("northside", "physician@northside.example")
        self.page.heading("Welcome")
        row = f'li[data-draft="{draft["id"]}"]'
        WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, row))
        self.assertIn(f"MRN {patient['mrn']}", driver.find_element(By.CSS_SELECTOR, row).text)
        self.assertIn("Riley Nurse", driver.find_element(By.CSS_SELECTOR, row).text)
        self.assertAccessible("drafts-to-sign")
        driver.find_element(By.CSS_SELECTOR, f"{row} a").click()
        self.page.heading("Draft note")
        self.assertEqual(driver.find_elements(By.CSS_SELECTOR, "[data-awaits]"), [], "a physician signs it")

        # Finishing the encounter with the draft unsigned asks first.
        self.page.open(f"/#/patients/{patient['id']}")
        self.page.heading("Haddad, Noor")
        item = f'li[data-encounter="{encounter["id"]}"]'
        self.assertIn("1 unsigned draft", driver.find_element(By.CSS_SELECTOR, item).text)
        self.click("Finish")
        dialog = WebDriverWait(driver, 10).until(lambda d: d.find_element(By.CSS_SELECTOR, "dialog[open]"))
        self.assertIn("This encounter has an unsigned draft note", dialog.text)
        dialog.find_element(By.XPATH, ".//button[text()='Go back']").click()
        self.assertEqual(api("GET", f"/v1/encounters/{encounter['id']}", None, access)[1]["status"], "in_progress")
        self.click("Finish")
        WebDriverWait(driver, 10).until(lambda d: d.find_element(By.CSS_SELECTOR, "dialog[open]"))
        driver.find_element(By.XPATH, "//dialog//button[text()='Finish anyway']").click()
        WebDriverWait(driver, 10).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, item), "Finished"))

        # A planned encounter says when it is planned for.
        Select(driver.find_element(By.NAME, "status")).select_by_value("planned")
        self.click("Plan the encounter")
        WebDriverWait(driver, 10).until(
            lambda d: "Planned for is needed" in self.page.field_error("planned_for"))
        driver.execute_script("document.querySelector('[name=planned_for]').value = '2031-03-04T09:30';")
        self.page.fill(reason="Follow-up")
        self.click("Plan the encounter")
        WebDriverWait(driver, 10).until(
            EC.text_to_be_present_in_element((By.CSS_SELECTOR, "li[data-encounter]"), "planned for 2031-03-04 09:30"))
        self.assertEqual(self.page.console_errors(), [])

    def test_withdrawing_a_note_someone_changed_meanwhile_is_refused(self):
        access, patient, encounter = new_encounter()
        note = new_draft(access, encounter)
        self.open_draft(note['id'])
        # A colleague saves a version the page has not seen.
        self.assertEqual(api("PUT", f"/v1/notes/{note['id']}", {"subjective": "Seen by the nurse", "objective": "",
                                                               "assessment": "", "plan": ""},
                             token("nurse@northside.example"), headers={"If-Match": '"1"'})[0], 200)
        self.page.driver.find_element(By.XPATH, "//summary[normalize-space()='Mark entered in error']").click()
        self.page.fill(**{"withdraw-reason": "Wrong patient"})
        self.click("Mark entered in error")
        WebDriverWait(self.page.driver, 10).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "dialog[open]")))
        self.page.driver.find_element(By.XPATH, "//dialog//button[text()='Mark entered in error']").click()
        self.page.message("changed since you read it")
        status, current = api("GET", f"/v1/notes/{note['id']}", None, access)
        self.assertEqual((status, current["status"]), (200, "draft"), "the version nobody here read stays a draft")

    def test_a_note_entered_in_error_is_unmistakable_everywhere(self):
        access, patient, encounter = new_encounter()
        note = new_draft(access, encounter)
        api("PUT", f"/v1/notes/{note['id']}", {"subjective": "", "objective": "", "assessment": "",
                                               "plan": "Amoxicillin 500 mg"}, access, headers={"If-Match": '"1"'})
        # A nurse may withdraw a physician's draft: the confirmation says whose it is.
        self.open_draft(note["id"], "nurse@northside.example")
        self.page.driver.find_element(By.XPATH, "//summary[normalize-space()='Mark entered in error']").click()
        self.page.fill(**{"withdraw-reason": "Wrong patient"})
        self.click("Mark entered in error")
        # It asks first, naming the patient and whose note it is; keeping it changes nothing.
        dialog = WebDriverWait(self.page.driver, 10).until(
            EC.visibility_of_element_located((By.CSS_SELECTOR, "dialog[open]")))
        self.assertIn("Haddad, Noor", dialog.text)
        self.assertIn("Dr. Morgan Physician", dialog.text)
        dialog.find_element(By.XPATH, ".//button[text()='Keep the note']").click()
        self.assertEqual(api("GET", f"/v1/notes/{note['id']}", None, access)[1]["status"], "draft")
        self.click("Mark entered in error")
        WebDriverWait(self.page.driver, 10).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "dialog[open]")))
        self.page.driver.find_element(By.XPATH, "//dialog//button[text()='Mark entered in error']").click()
        self.page.heading("Note entered in error")
        banner = self.page.driver.find_element(By.CSS_SELECTOR, "[data-withdrawn]")
        self.assertIn("not to be relied on", banner.text)
        self.assertIn("Wrong patient", banner.text)
        plan = self.page.driver.find_element(By.CSS_SELECTOR, '[data-section="plan"]')
        self.assertIn("line-through", plan.value_of_css_property("text-decoration"))
        # Listed under its encounter with a label and no clinical excerpt; its history says so.
        self.page.open(f"/#/encounters/{encounter['id']}")
        self.page.heading("Encounter")
        row = WebDriverWait(self.page.driver, 10).until(
            lambda d: d.find_element(By.CSS_SELECTOR, "li[data-status='entered_in_error']"))
        self.assertIn("Entered in error", row.text)
        self.assertNotIn("Amoxicillin", row.text)
        self.page.open(f"/#/notes/{note['id']}/history")
        self.page.heading("History")
        self.assertIn("entered in error", self.page.driver.find_element(By.CSS_SELECTOR, "[data-withdrawn]").text)

    def test_a_voided_encounter_shows_its_status_and_takes_no_new_notes(self):
        access, patient, encounter = new_encounter()
        status, _ = api("PATCH", f"/v1/encounters/{encounter['id']}", {"status": "entered_in_error", "status_reason": "Opened in error"}, access)
        self.assertEqual(status, 200)
        self.page.log_in("northside", "physician@northside.example")
        self.page.heading("Welcome")
        self.page.open(f"/#/encounters/{encounter['id']}")
        self.page.heading("Encounter")
        shown = WebDriverWait(self.page.driver, 10).until(
            lambda d: d.find_element(By.CSS_SELECTOR, "[data-encounter-status]"))
        self.assertIn("Entered in error", shown.text)
        self.assertIn("Opened in error", self.page.driver.find_element(By.CSS_SELECTOR, "[data-status-reason]").text)
        self.assertEqual(self.page.driver.find_elements(By.XPATH, "//button[text()='Write a new note']"), [])

    def test_the_front_desk_sees_no_notes(self):
        access, patient, encounter = new_encounter()
        note = new_draft(access, encounter)
        self.page.log_in("northside", "frontdesk@northside.example")
        self.page.heading("Welcome")
        self.page.open(f"/#/patients/{patient['id']}")
        self.page.heading("Haddad, Noor")
        self.assertEqual(self.page.driver.find_elements(By.LINK_TEXT, "Notes"), [])
        self.page.open(f"/#/notes/{note['id']}")
        self.page.heading("Not for your role")


if __name__ == "__main__":
    unittest.main()


class IdleNoteTests(BrowserTest):
    """The idle logout (3 s on this server) while a merge needs a choice: no dialog waits on an
    empty chair, and the user's side is saved, marked unresolved, never lost."""

    def setUp(self):
        self.page = Page(IDLE_BASE)

    def editing(self):
        """The physician's editor on a new draft, with the subjective typed and not saved, and
        the nurse's subjective saved meanwhile: (physician's token, note)."""
        access, _, encounter = new_encounter(base=IDLE_BASE)
        note = new_draft(access, encounter, base=IDLE_BASE)
        self.page.log_in("northside", "physician@northside.example")
        self.page.heading("Welcome")
        self.page.open(f"/#/notes/{note['id']}")
        self.page.heading("Draft note")
        self.page.driver.find_element(By.NAME, "subjective").send_keys("Written by the physician")
        nurse = token("nurse@northside.example", base=IDLE_BASE)
        status, _ = api("PUT", f"/v1/notes/{note['id']}",
                        {"subjective": "Written by the nurse", "objective": "", "assessment": "", "plan": ""},
                        nurse, headers={"If-Match": '"1"'}, base=IDLE_BASE)
        self.assertEqual(status, 200)
        return access, note

    def logged_out_with_the_merge_kept(self, access, note):
        self.page.heading("Log in", timeout=15)
        self.assertEqual(self.page.driver.find_elements(By.CSS_SELECTOR, "dialog[open]"), [])
        self.assertEqual([e for e in self.page.driver.find_elements(By.CSS_SELECTOR, "[data-leftover]") if e.is_displayed()],
                         [], "nothing left unsaved to show")
        self.page.message("It is version 3, marked as saved with a conflict unresolved")
        kept = versions(note["id"], access, base=IDLE_BASE)
        self.assertEqual([(v["subjective"], v["unresolved_conflict"]) for v in kept],
                         [("", False), ("Written by the nurse", False), ("Written by the physician", True)])

    def test_the_idle_logout_saves_an_open_merge_as_unresolved_without_asking(self):
        access, note = self.editing()
        button = self.page.driver.find_element(By.XPATH, "//button[normalize-space()='Save as a new version']")
        self.page.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
        button.click()
        WebDriverWait(self.page.driver, 10).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "main .conflict")))
        # Nobody answers the merge: the idle logout saves this side, marked, and asks nothing.
        self.logged_out_with_the_merge_kept(access, note)

    def test_the_idle_logout_saves_text_that_runs_into_a_conflict_as_unresolved(self):
        access, note = self.editing()
        # The idle logout's own save meets the nurse's version: the same section, nobody to choose.
        self.logged_out_with_the_merge_kept(access, note)
