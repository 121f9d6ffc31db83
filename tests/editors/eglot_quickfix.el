;;; eglot_quickfix.el --- Drive Emacs + eglot through greenlint's GL002 quick fix  -*- lexical-binding: t -*-

;; GREENLINT_PYTHON=/path/to/python GREENLINT_FILE=/tmp/x/orders.py \
;;   emacs --batch -l tests/editors/eglot_quickfix.el
;;
;; Starts `<python> -m greenlint server' through `eglot-server-programs', visits the file, waits for greenlint's
;; Flymake diagnostics, asks `eglot-code-actions' for the quickfixes of the GL002 diagnostic, applies the
;; "greenlint (GL002): Add await" edit (after codeAction/resolve when it comes without one), saves, waits for the
;; diagnostics published for the edited version and checks GL002 is gone from that line.  Prints one line of
;; JSON; exits 0 on success, 1 on any failure.
;;
;; Optional:
;;   GREENLINT_LINE          1-based line of the GL002 finding (default: the line marked `# expect: GL002')
;;   GREENLINT_TIMEOUT_MS    the budget of the whole run (default 20000)
;;   GREENLINT_SEVERITY      error|warning|information|hint: the settings (:greenlint (:severity (:GL002 ...)))
;;                           are given to the server; the diagnostic must come with that severity
;;   GREENLINT_SETTINGS_VIA  initializationOptions (default) or workspace: where those settings go (the contact's
;;                           :initializationOptions, or `eglot-workspace-configuration')
;;   GREENLINT_CONFIG        a user init file to load instead of configuring eglot here: it must make eglot run
;;                           greenlint for python-mode (GREENLINT_PYTHON is then not used)

;;; Code:

(require 'package)
(package-initialize)
(require 'eglot)
(require 'json)
(require 'cl-lib)

(defun greenlint-eglot-version ()
  (let ((desc (cadr (assq 'eglot package-alist))))
    (if desc (package-version-join (package-desc-version desc)) "unknown")))

(defconst greenlint-title "greenlint (GL002): Add await")
(defvar greenlint-started (float-time))
(defvar greenlint-budget
  (/ (float (or (ignore-errors (string-to-number (getenv "GREENLINT_TIMEOUT_MS"))) 20000)) 1000))
(when (<= greenlint-budget 0) (setq greenlint-budget 20.0))
(defvar greenlint-summary
  (list (cons 'editor "emacs") (cons 'emacs emacs-version) (cons 'eglot (greenlint-eglot-version)) (cons 'ok :json-false)))
(defvar greenlint-published nil "The (VERSION . COUNT) of each publishDiagnostics for the file, newest first.")
(defvar greenlint-path nil)

(define-error 'greenlint-failed "greenlint editor test failed")

(defun greenlint-elapsed-ms () (round (* 1000 (- (float-time) greenlint-started))))

(defun greenlint-note (key value) (push (cons key value) greenlint-summary))

(defun greenlint-fail (step message) (signal 'greenlint-failed (list step message)))

(defun greenlint-wait (step predicate)
  "Process events until PREDICATE is true; fail STEP when the budget runs out."
  (let ((deadline (+ greenlint-started greenlint-budget)))
    (while (not (funcall predicate))
      (when (> (float-time) deadline)
        (greenlint-fail step (format "timed out after %d ms" (greenlint-elapsed-ms))))
      (accept-process-output nil 0.02))))

(defun greenlint-gl002-on-line (&optional severity)
  "The LSP diagnostics (plists) of greenlint's GL002 findings on the current line (of SEVERITY, if given)."
  (cl-loop for diag in (flymake-diagnostics (line-beginning-position) (line-end-position))
           for lsp = (cdr (assoc 'eglot-lsp-diag (flymake-diagnostic-data diag)))
           when (and lsp (equal (plist-get lsp :source) "greenlint") (equal (plist-get lsp :code) "GL002")
                     (or (null severity) (equal (plist-get lsp :severity) severity)))
           collect lsp))

;; Record each publishDiagnostics for the file (eglot itself ignores the version).
(cl-defmethod eglot-handle-notification :before
  (_server (_method (eql textDocument/publishDiagnostics)) &key uri diagnostics version &allow-other-keys)
  (when (and greenlint-path (equal (expand-file-name (eglot--uri-to-path uri)) greenlint-path))
    (push (cons version (length diagnostics)) greenlint-published)))

(defconst greenlint-severities '(("error" . 1) ("warning" . 2) ("information" . 3) ("hint" . 4)))

(defun greenlint-env (name)
  "The value of the environment variable NAME, nil when unset or empty."
  (let ((value (getenv name))) (and value (> (length value) 0) value)))

(defun greenlint-run ()
  (let* ((python (greenlint-env "GREENLINT_PYTHON"))
         (path (greenlint-env "GREENLINT_FILE"))
         (config (greenlint-env "GREENLINT_CONFIG"))
         (line (ignore-errors (string-to-number (getenv "GREENLINT_LINE"))))
         (severity-name (greenlint-env "GREENLINT_SEVERITY"))
         (severity (and severity-name (cdr (assoc severity-name greenlint-severities))))
         (via (or (greenlint-env "GREENLINT_SETTINGS_VIA") "initializationOptions"))
         (settings (and severity `(:greenlint (:severity (:GL002 ,severity-name))))))
    (unless (and path (or config python))
      (greenlint-fail "setup" "set GREENLINT_PYTHON (or GREENLINT_CONFIG) and GREENLINT_FILE"))
    (when (and severity-name (not severity))
      (greenlint-fail "setup" "GREENLINT_SEVERITY must be error, warning, information or hint"))
    (unless (member via '("initializationOptions" "workspace"))
      (greenlint-fail "setup" "GREENLINT_SETTINGS_VIA must be initializationOptions or workspace"))
    (setq path (expand-file-name path) greenlint-path path)
    (greenlint-note 'file path)
    (when severity (greenlint-note 'severity severity-name) (greenlint-note 'settings_via via))
    (cond (config
           ;; The user's init file (e.g. README "Editors"), then what happens after `C-x C-f': the mode hooks
           ;; run, and `eglot-ensure' connects from `post-command-hook' once the command is over.
           (greenlint-note 'config config)
           (load config nil t)
           (find-file path)
           (run-hooks 'post-command-hook))
          (t
           ;; As the README's snippet, with this interpreter instead of `greenlint'.
           (add-to-list 'eglot-server-programs
                        `(python-mode . (,python "-m" "greenlint" "server"
                                                 ,@(and settings (equal via "initializationOptions")
                                                        `(:initializationOptions ,settings)))))
           (when (and settings (equal via "workspace"))
             (setq-default eglot-workspace-configuration settings))
           (find-file path)
           (let ((inhibit-message t)) (call-interactively #'eglot))))
    (unless (derived-mode-p 'python-mode) (greenlint-fail "setup" (format "%s is in %s" path major-mode)))
    (when (or (null line) (<= line 0))
      (setq line (save-excursion
                   (goto-char (point-min))
                   (and (re-search-forward "#[ \t]*expect:[ \t]*GL002" nil t) (line-number-at-pos)))))
    (unless line (greenlint-fail "setup" (format "no GREENLINT_LINE and no `# expect: GL002' line in %s" path)))
    (greenlint-note 'line line)
    (let ((server (eglot-current-server)))
      (unless server (greenlint-fail "start" "eglot did not start a server for the file"))
      (greenlint-note 'server_command (car (process-command (jsonrpc--process server))))
      (greenlint-wait "initialize" (lambda () (bound-and-true-p eglot--managed-mode)))
      ;; 1. The GL002 diagnostic on the expected line (Flymake starts its backends on a timer: start it now).
      (goto-char (point-min))
      (forward-line (1- line))
      (flymake-start)
      (greenlint-wait "diagnostics" (lambda () (greenlint-gl002-on-line severity)))
      (greenlint-note 'diagnostics_ms (greenlint-elapsed-ms))
      (let* ((diag (car (greenlint-gl002-on-line severity)))
             (region (eglot--range-region (plist-get diag :range)))
             (actions (eglot-code-actions (car region) (cdr region) "quickfix"))
             (action (cl-find greenlint-title actions :key (lambda (a) (plist-get a :title)) :test #'equal)))
        (greenlint-note 'diagnostic (list (cons 'line (1+ (plist-get (plist-get (plist-get diag :range) :start) :line)))
                                          (cons 'severity (plist-get diag :severity))
                                          (cons 'message (plist-get diag :message))))
        ;; 2. The quick fixes for its range (eglot sends the Flymake diagnostics there as the context).
        (greenlint-note 'actions (vconcat (mapcar (lambda (a) (plist-get a :title)) actions)))
        (unless action (greenlint-fail "codeAction" (format "no action titled %s" greenlint-title)))
        ;; 3. Resolve it if the edit is deferred (eglot 1.9 declares no resolveSupport: it should not be), apply it.
        (greenlint-note 'resolved :json-false)
        (unless (plist-get action :edit)
          (unless (eglot--server-capable :codeActionProvider :resolveProvider)
            (greenlint-fail "resolve" "the action has no edit and the server cannot resolve it"))
          (setq action (jsonrpc-request server :codeAction/resolve action))
          (greenlint-note 'resolved t))
        (unless (plist-get action :edit) (greenlint-fail "resolve" "the action has no edit"))
        (let ((inhibit-message t)) (eglot--apply-workspace-edit (plist-get action :edit)))
        (greenlint-note 'edited_line (buffer-substring-no-properties (line-beginning-position) (line-end-position)))
        (let ((inhibit-message t)) (save-buffer))
        ;; 4. The diagnostics published for the edited version: no GL002 on that line any more.
        (let ((version eglot--versioned-identifier))
          (greenlint-note 'document_version version)
          (greenlint-wait "republish" (lambda () (equal (car (car greenlint-published)) version)))
          (greenlint-note 'republished_ms (greenlint-elapsed-ms))
          (when (greenlint-gl002-on-line)
            (greenlint-fail "republish" (format "GL002 is still reported on line %d: %s" line
                                                (plist-get (car (greenlint-gl002-on-line)) :message))))
          (greenlint-note 'publishes (length greenlint-published))
          (greenlint-note 'ok t))))))

(defun greenlint-finish (code)
  "Print the summary as one line of JSON, stop the server and exit with CODE."
  (greenlint-note 'elapsed_ms (greenlint-elapsed-ms))
  (let ((seen nil) (fields nil))
    (dolist (field greenlint-summary)   ; the newest value of each key
      (unless (memq (car field) seen) (push (car field) seen) (push field fields)))
    (princ (concat (json-encode fields) "\n")))
  (let ((server (ignore-errors (eglot-current-server))))
    (when server (ignore-errors (let ((inhibit-message t)) (eglot-shutdown server nil 2)))))
  (kill-emacs code))

;; Never hang: eglot's own waits (connecting, requests) are bounded too, but more loosely than the budget.
(setq eglot-connect-timeout (max 1 (ceiling greenlint-budget)))
(run-at-time (+ greenlint-budget 2) nil
             (lambda ()
               (greenlint-note 'step "watchdog")
               (greenlint-note 'error (format "still running after %d ms" (greenlint-elapsed-ms)))
               (greenlint-finish 1)))

(condition-case err
    (progn (greenlint-run) (greenlint-finish 0))
  (greenlint-failed (greenlint-note 'step (nth 1 err)) (greenlint-note 'error (nth 2 err)) (greenlint-finish 1))
  (error (greenlint-note 'step "error") (greenlint-note 'error (error-message-string err)) (greenlint-finish 1)))

;;; eglot_quickfix.el ends here
