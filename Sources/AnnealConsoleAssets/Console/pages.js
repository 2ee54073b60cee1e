// Tuning jobs, capacity, buckets and objects, users/roles/policies/keys, and the audit log.
"use strict";

(() => {
  const A = Anneal;
  const { el, button, section, table } = A;

  // ---- tuning jobs ------------------------------------------------------------------------------
  A.page(/^\/tuning$/, async (main) => {
    main.appendChild(el("h1", {}, "Tuning jobs"));
    const body = el("div", { id: "tuning-results" });
    main.appendChild(body);
    const live = A.current();
    let shown = null;
    A.poll(async () => {
      let reply;
      try {
        reply = await A.sagemaker("ListHyperParameterTuningJobs", { MaxResults: 100, SortBy: "CreationTime", SortOrder: "Descending" });
      } catch (error) {
        if (live()) A.clear(body).appendChild(A.errorBox(error, "list tuning jobs"));
        return;
      }
      if (!live()) return;
      const seen = JSON.stringify(reply);
      if (seen === shown) return;
      shown = seen;
      A.clear(body).appendChild(table([
        { label: "Name", cell: (t) => el("a", { href: `#/tuning/${encodeURIComponent(t.HyperParameterTuningJobName)}` }, t.HyperParameterTuningJobName) },
        { label: "Status", cell: (t) => A.statusBadge(t.HyperParameterTuningJobStatus) },
        { label: "Strategy", cell: (t) => t.Strategy },
        { label: "Trials done", cell: (t) => progressText(t.TrainingJobStatusCounters, t.ResourceLimits) },
        { label: "Created", cell: (t) => A.time(t.CreationTime) },
      ], reply.HyperParameterTuningJobSummaries || [], { empty: "No tuning jobs yet." }));
    }, 4000);
  });

  function finished(counters) {
    const c = counters || {};
    return (c.Completed || 0) + (c.Stopped || 0) + (c.NonRetryableError || 0) + (c.RetryableError || 0);
  }

  function progressText(counters, limits) {
    return `${finished(counters)} of ${(limits || {}).MaxNumberOfTrainingJobs ?? "?"} (${(counters || {}).InProgress || 0} running)`;
  }

  A.page(/^\/tuning\/(.+)$/, async (main, [name]) => {
    main.appendChild(el("p", { class: "crumbs" }, el("a", { href: "#/tuning" }, "Tuning jobs"), " / ", name));
    const top = el("div");
    const charts = el("div");
    const trialsPart = el("div");
    main.append(top, charts, trialsPart);
    const live = A.current();
    let sort = { key: "objective", order: "Ascending" };
    let state = null;

    function render() {
      const { tuning, trials } = state;
      const config = tuning.HyperParameterTuningJobConfig || {};
      const objective = config.HyperParameterTuningJobObjective || {};
      const minimize = objective.Type !== "Maximize";
      const limits = config.ResourceLimits || {};
      const best = tuning.BestTrainingJob;
      const done = finished(tuning.TrainingJobStatusCounters);
      A.clear(top).append(
        el("h1", {}, tuning.HyperParameterTuningJobName, " ", A.statusBadge(tuning.HyperParameterTuningJobStatus)),
        el("div", { class: "columns" },
          section("Progress",
            el("label", { for: "tuning-progress" }, `${done} of ${limits.MaxNumberOfTrainingJobs} trials finished`),
            el("progress", { id: "tuning-progress", max: limits.MaxNumberOfTrainingJobs || 1, value: done }),
            A.definitionList([
              ["Strategy", config.Strategy || "—"], ["Objective", `${objective.Type || ""} ${objective.MetricName || ""}`],
              ["Parallel trials", String(limits.MaxParallelTrainingJobs ?? "—")],
              ["Running", String((tuning.TrainingJobStatusCounters || {}).InProgress || 0)],
              ["Created", A.time(tuning.CreationTime)], ["Ended", A.time(tuning.HyperParameterTuningEndTime)],
            ])),
          section("Best trial", best ? A.definitionList([
            ["Training job", el("a", { href: `#/jobs/${encodeURIComponent(best.TrainingJobName)}`, id: "best-trial" }, best.TrainingJobName)],
            ["Objective", `${(best.FinalHyperParameterTuningJobObjectiveMetric || {}).MetricName || ""} = ${
              A.number((best.FinalHyperParameterTuningJobObjectiveMetric || {}).Value)}`],
            ...Object.entries(best.TunedHyperParameters || {}).map(([k, v]) => [k, v]),
          ]) : el("p", { class: "note" }, "No trial has reported the objective yet."))));

      const scored = trials.filter((t) => t.FinalHyperParameterTuningJobObjectiveMetric && t.TrainingEndTime);
      const points = scored.map((t) => [t.TrainingEndTime, t.FinalHyperParameterTuningJobObjectiveMetric.Value]).sort((a, b) => a[0] - b[0]);
      const bestSoFar = [];
      for (const p of points) {
        const previous = bestSoFar.length ? bestSoFar[bestSoFar.length - 1][1] : p[1];
        bestSoFar.push([p[0], minimize ? Math.min(previous, p[1]) : Math.max(previous, p[1])]);
      }
      const tuned = Object.keys(Object.assign({}, ...trials.map((t) => t.TunedHyperParameters || {}))).sort();
      const ranges = config.ParameterRanges || {};
      const categorical = new Map((ranges.CategoricalParameterRanges || []).map((r) => [r.Name, r.Values]));
      const axes = tuned.map((n) => categorical.has(n) ? { name: n, categorical: categorical.get(n) } : { name: n });
      axes.push({ name: objective.MetricName || "objective" });
      const rows = scored.map((t) => ({
        label: t.TrainingJobName, objective: t.FinalHyperParameterTuningJobObjectiveMetric.Value,
        best: best && best.TrainingJobName === t.TrainingJobName,
        values: Object.assign({}, t.TunedHyperParameters, { [objective.MetricName || "objective"]: t.FinalHyperParameterTuningJobObjectiveMetric.Value }),
      }));
      A.clear(charts).append(section("Objective per trial",
        points.length ? Charts.timeSeries([{ name: minimize ? "best so far (lowest)" : "best so far (highest)", points: bestSoFar, mode: "line", color: "#c2410c" },
                                           { name: "trial objective", points, mode: "points", color: "#1f5fbf" }],
                                          { title: `${objective.MetricName} by trial end time` })
                      : el("p", { class: "note" }, "No trial has finished with an objective yet."),
        rows.length ? Charts.parallelCoordinates(axes, rows, { minimize }) : null));

      const value = (t) => (t.FinalHyperParameterTuningJobObjectiveMetric || {}).Value;
      const key = { objective: value, name: (t) => t.TrainingJobName, status: (t) => t.TrainingJobStatus, ended: (t) => t.TrainingEndTime || 0 }[sort.key];
      const ordered = trials.slice().sort((a, b) => {
        const x = key(a), y = key(b);
        if (x === undefined && y === undefined) return 0;
        if (x === undefined) return 1;
        if (y === undefined) return -1;
        const c = x < y ? -1 : x > y ? 1 : 0;
        return sort.order === "Ascending" ? c : -c;
      });
      A.clear(trialsPart).appendChild(section("Trials", table([
        { label: "Training job", sort: "name", cell: (t) => el("a", { href: `#/jobs/${encodeURIComponent(t.TrainingJobName)}` }, t.TrainingJobName) },
        { label: "Status", sort: "status", cell: (t) => A.statusBadge(t.TrainingJobStatus) },
        { label: objective.MetricName || "Objective", sort: "objective", cell: (t) => A.number(value(t)) },
        ...tuned.map((n) => ({ label: n, cell: (t) => (t.TunedHyperParameters || {})[n] ?? "—" })),
        { label: "Ended", sort: "ended", cell: (t) => A.time(t.TrainingEndTime) },
      ], ordered, { sort, class: "trials", empty: "No trials yet.", onSort: (k) => {
        sort = { key: k, order: sort.key === k && sort.order === "Ascending" ? "Descending" : "Ascending" };
        render();
      } })));
    }

    let settled = false;
    A.poll(async () => {
      if (settled) return;  // finished and shown: nothing more will change
      try {
        const tuning = await A.sagemaker("DescribeHyperParameterTuningJob", { HyperParameterTuningJobName: name });
        const trials = [];
        let token = null;
        for (let page = 0; page < 50; page++) {
          const input = { HyperParameterTuningJobName: name, MaxResults: 100 };
          if (token) input.NextToken = token;
          const reply = await A.sagemaker("ListTrainingJobsForHyperParameterTuningJob", input);
          trials.push(...(reply.TrainingJobSummaries || []));
          token = reply.NextToken;
          if (!token) break;
        }
        if (!live()) return;
        const running = tuning.HyperParameterTuningJobStatus === "InProgress" || tuning.HyperParameterTuningJobStatus === "Stopping";
        state = { tuning, trials };
        render();
        settled = !running;
      } catch (error) {
        if (live()) A.clear(top).appendChild(A.errorBox(error, "describe this tuning job"));
      }
    }, 3000);
  });

  // ---- capacity ---------------------------------------------------------------------------------
  A.page(/^\/capacity$/, async (main) => {
    main.appendChild(el("h1", {}, "Capacity"));
    const body = el("div", { id: "capacity" });
    main.appendChild(body);
    const live = A.current();
    let shown = null;
    const resources = (r) => r ? `${r.vCPUs} vCPU, ${A.bytes(r.memoryMiB * 1048576)}${r.gpus ? `, ${r.gpus} GPU` : ""}` : "—";
    A.poll(async () => {
      let reply;
      try {
        reply = await A.call("AnnealCapacity_20261204.DescribeCapacity", { MaxResults: 200 });
      } catch (error) {
        if (live()) A.clear(body).appendChild(A.errorBox(error, "describe the capacity"));
        return;
      }
      if (!live()) return;
      const seen = JSON.stringify(reply);
      if (seen === shown) return;  // unchanged: keep the tables and the keyboard focus as they are
      shown = seen;
      const now = Date.now() / 1000;
      const cost = reply.Cost || {};
      A.clear(body).append(
        section("Pools", table([
          { label: "Pool", cell: (p) => p.pool }, { label: "Capacity", cell: (p) => resources(p.capacity) },
          { label: "In use", cell: (p) => resources(p.used) }, { label: "Instances", cell: (p) => String(p.instances) },
          { label: "Max instances", cell: (p) => p.maxInstances ?? "—" },
        ], reply.Pools || [])),
        section("Queue", table([
          { label: "Job", cell: (q) => el("a", { href: `#/jobs/${encodeURIComponent(q.job)}` }, q.job) },
          { label: "Pool", cell: (q) => q.pool }, { label: "Instance type", cell: (q) => q.instanceType },
          { label: "Count", cell: (q) => String(q.count) }, { label: "Waiting", cell: (q) => A.seconds(q.waitingSeconds) },
        ], reply.Queue || [], { empty: "Nothing is waiting for capacity." })),
        section("Cost", A.definitionList([["Actual", A.money(cost.Actual)], ["On demand equivalent", A.money(cost.OnDemandEquivalent)],
                                          ["Saved", A.money(cost.Saved)]])),
        section("Instances", table([
          { label: "Instance", cell: (i) => i.instanceID },
          { label: "Job", cell: (i) => el("a", { href: `#/jobs/${encodeURIComponent(i.job)}` }, `${i.job} (algo-${i.host})`) },
          { label: "Pool", cell: (i) => i.pool }, { label: "Type", cell: (i) => i.instanceType },
          { label: "Launched", cell: (i) => A.time(i.launchedAt) },
          { label: "Released", cell: (i) => i.releasedAt ? `${A.time(i.releasedAt)} (${i.releaseReason || ""})` : "running" },
          { label: "Cost", cell: (i) => A.money(Math.max(0, (i.releasedAt || now) - i.launchedAt) / 3600 * i.pricePerHour) },
        ], (reply.Instances || []).slice().sort((a, b) => (a.releasedAt ? 1 : 0) - (b.releasedAt ? 1 : 0) || b.launchedAt - a.launchedAt),
        { empty: "No instances yet." })));
    }, 3000);
  });

  // ---- buckets and objects ----------------------------------------------------------------------
  A.page(/^\/s3$/, async (main) => {
    main.appendChild(el("h1", {}, "Buckets"));
    const body = el("div", { id: "buckets" });
    const form = el("form", { class: "inline-form" }, el("label", { for: "new-bucket" }, "New bucket"),
      el("input", { id: "new-bucket", spellcheck: "false", autocapitalize: "off", required: true }), el("button", { type: "submit" }, "Create"));
    const formStatus = el("div", { role: "status" });
    main.append(body, form, formStatus);
    async function load() {
      try {
        const doc = await A.s3("GET", "", "");
        const buckets = [...doc.getElementsByTagName("Bucket")].map((b) => ({ name: A.xmlText(b, "Name"), created: A.xmlText(b, "CreationDate") }));
        A.clear(body).appendChild(table([
          { label: "Bucket", cell: (b) => el("a", { href: `#/s3/${encodeURIComponent(b.name)}` }, b.name) },
          { label: "Created", cell: (b) => A.time(b.created) },
        ], buckets, { empty: "No buckets yet." }));
      } catch (error) {
        A.clear(body).appendChild(A.errorBox(error, "list the buckets"));
      }
    }
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const name = form.querySelector("#new-bucket").value.trim();
      try {
        await A.s3("PUT", name, "");
        A.clear(formStatus).appendChild(el("p", {}, `Created ${name}.`));
        load();
      } catch (error) {
        A.clear(formStatus).appendChild(A.errorBox(error, "create the bucket"));
      }
    });
    load();
  });

  A.page(/^\/s3\/([^/]+)$/, async (main, [bucket], params) => {
    const prefix = params.get("prefix") || "";
    const crumbs = el("p", { class: "crumbs" }, el("a", { href: "#/s3" }, "Buckets"), " / ",
      el("a", { href: `#/s3/${encodeURIComponent(bucket)}` }, bucket));
    let path = "";
    for (const part of prefix.split("/").filter(Boolean)) {
      path += part + "/";
      crumbs.append(" / ", el("a", { href: `#/s3/${encodeURIComponent(bucket)}?prefix=${encodeURIComponent(path)}` }, part));
    }
    main.append(crumbs, el("h1", {}, bucket));
    const upload = el("form", { class: "inline-form", id: "upload-form" },
      el("label", { for: "upload-file" }, "File"), el("input", { id: "upload-file", type: "file", required: true }),
      el("label", { for: "upload-key" }, "Key"), el("input", { id: "upload-key", spellcheck: "false", placeholder: `${prefix}file name` }),
      el("button", { type: "submit" }, "Upload"));
    const status = el("div", { role: "status", id: "object-status" });
    const body = el("div", { id: "objects" });
    const pager = el("nav", { class: "pager", "aria-label": "More objects" });
    main.append(section("Upload", upload, status), body, pager);
    let token = null;

    upload.addEventListener("submit", async (event) => {
      event.preventDefault();
      const file = upload.querySelector("#upload-file").files[0];
      if (!file) { A.clear(status).appendChild(el("p", { class: "error" }, "Choose a file to upload.")); return; }
      const key = upload.querySelector("#upload-key").value.trim() || prefix + file.name;
      A.clear(status).appendChild(el("p", {}, `Uploading ${key}…`));
      try {
        await A.s3("PUT", bucket, key, { body: file, headers: { "Content-Type": file.type || "application/octet-stream" } });
        A.clear(status).appendChild(el("p", {}, `Uploaded ${key} (${A.bytes(file.size)}).`));
        A.announce(`Uploaded ${key}`);
        token = null;
        load(false);
      } catch (error) {
        A.clear(status).appendChild(A.errorBox(error, "upload the object"));
      }
    });

    async function remove(key, cell) {
      A.clear(cell).append(`Delete ${key}? `, button("Yes, delete", async () => {
        try {
          await A.s3("DELETE", bucket, key);
          A.clear(status).appendChild(el("p", {}, `Deleted ${key}.`));
          A.announce(`Deleted ${key}`);
          token = null;
          load(false);
        } catch (error) {
          A.clear(status).appendChild(A.errorBox(error, "delete the object"));
        }
      }, { class: "danger" }), button("Cancel", () => load(false)));
    }

    async function load(more) {
      const query = { "list-type": "2", delimiter: "/", prefix, "max-keys": "200" };
      if (more && token) query["continuation-token"] = token;
      let doc;
      try {
        doc = await A.s3("GET", bucket, "", { query });
      } catch (error) {
        A.clear(body).appendChild(A.errorBox(error, "list the objects"));
        return;
      }
      token = A.xmlText(doc, "IsTruncated") === "true" ? A.xmlText(doc, "NextContinuationToken") : null;
      const folders = [...doc.getElementsByTagName("CommonPrefixes")].map((p) => ({ folder: A.xmlText(p, "Prefix") }));
      const objects = [...doc.getElementsByTagName("Contents")].map((c) => ({
        key: A.xmlText(c, "Key"), size: Number(A.xmlText(c, "Size")), modified: A.xmlText(c, "LastModified") }));
      const rows = folders.concat(objects);
      const shown = (key) => key.slice(prefix.length) || key;
      const tableNode = table([
        { label: "Name", cell: (r) => r.folder
            ? el("a", { href: `#/s3/${encodeURIComponent(bucket)}?prefix=${encodeURIComponent(r.folder)}` }, shown(r.folder))
            : el("span", { class: "key" }, shown(r.key)) },
        { label: "Size", cell: (r) => r.folder ? "folder" : A.bytes(r.size) },
        { label: "Modified", cell: (r) => r.folder ? "" : A.time(r.modified) },
        { label: "Actions", cell: (r) => {
          if (r.folder) return "";
          const cell = el("span", {});
          cell.append(el("a", { href: A.s3Path(bucket, r.key), download: r.key.split("/").pop(), class: "download" }, "Download"), " ",
            button("Delete", () => remove(r.key, cell), { class: "danger small", "aria-label": `Delete ${r.key}` }));
          return cell;
        } },
      ], rows, { empty: "This folder is empty.", class: "objects" });
      if (more) body.appendChild(tableNode); else A.clear(body).appendChild(tableNode);
      A.clear(pager);
      if (token) pager.appendChild(button("Load more", () => load(true)));
    }
    load(false);
  });

  // ---- users, roles, policies and keys ----------------------------------------------------------
  function members(doc, listName) {
    const list = doc.getElementsByTagName(listName)[0];
    return list ? [...list.children].filter((c) => c.tagName === "member") : [];
  }

  A.page(/^\/iam$/, async (main) => {
    main.appendChild(el("h1", {}, "Access"));
    const users = el("div", { id: "iam-users" }), keys = el("div", { id: "iam-keys" });
    const roles = el("div", { id: "iam-roles" }), policies = el("div", { id: "iam-policies" });
    main.append(section("Users", users), section("Access keys", keys), section("Roles", roles), section("Policies", policies));
    const t = A.xmlText;
    try {
      const doc = await A.query("iam", "ListUsers", { MaxItems: "1000" });
      const list = members(doc, "Users").map((u) => ({ name: t(u, "UserName"), arn: t(u, "Arn"), created: t(u, "CreateDate") }));
      users.appendChild(table([{ label: "User", cell: (u) => u.name }, { label: "ARN", cell: (u) => u.arn },
                               { label: "Created", cell: (u) => A.time(u.created) }], list, { empty: "No users." }));
      const rows = [];
      let denied = null;
      for (const user of list.slice(0, 100)) {
        try {
          const reply = await A.query("iam", "ListAccessKeys", { UserName: user.name });
          for (const k of members(reply, "AccessKeyMetadata")) {
            rows.push({ user: user.name, id: t(k, "AccessKeyId"), status: t(k, "Status"), created: t(k, "CreateDate") });
          }
        } catch (error) { denied = error; }
      }
      keys.appendChild(table([{ label: "User", cell: (k) => k.user }, { label: "Access key ID", cell: (k) => el("code", {}, k.id) },
                              { label: "Status", cell: (k) => k.status }, { label: "Created", cell: (k) => A.time(k.created) }],
                             rows, { empty: "No access keys." }));
      if (denied) keys.appendChild(A.errorBox(denied, "list some users' access keys"));
    } catch (error) {
      users.appendChild(A.errorBox(error, "list users"));
      keys.appendChild(A.errorBox(error, "list access keys"));
    }
    try {
      const doc = await A.query("iam", "ListRoles", { MaxItems: "1000" });
      roles.appendChild(table([{ label: "Role", cell: (r) => t(r, "RoleName") }, { label: "ARN", cell: (r) => t(r, "Arn") },
                               { label: "Created", cell: (r) => A.time(t(r, "CreateDate")) }], members(doc, "Roles"), { empty: "No roles." }));
    } catch (error) {
      roles.appendChild(A.errorBox(error, "list roles"));
    }
    try {
      const doc = await A.query("iam", "ListPolicies", { Scope: "Local", MaxItems: "1000" });
      policies.appendChild(table([{ label: "Policy", cell: (p) => t(p, "PolicyName") }, { label: "ARN", cell: (p) => t(p, "Arn") },
                                  { label: "Attached to", cell: (p) => t(p, "AttachmentCount") }],
                                 members(doc, "Policies"), { empty: "No customer managed policies." }));
    } catch (error) {
      policies.appendChild(A.errorBox(error, "list policies"));
    }
  });

  // ---- audit log --------------------------------------------------------------------------------
  A.page(/^\/audit$/, async (main, _args, params) => {
    main.appendChild(el("h1", {}, "Audit log"));
    const form = el("form", { class: "filters", "aria-label": "Filter audit events" },
      el("label", { for: "a-start" }, "From"), el("input", { id: "a-start", name: "start", type: "datetime-local", value: params.get("start") || "" }),
      el("label", { for: "a-end" }, "To"), el("input", { id: "a-end", name: "end", type: "datetime-local", value: params.get("end") || "" }),
      el("label", { for: "a-outcome" }, "Outcome"),
      el("select", { id: "a-outcome", name: "outcome" }, el("option", { value: "" }, "Any"),
        ["Allowed", "Denied"].map((o) => el("option", { value: o, selected: params.get("outcome") === o }, o))),
      el("button", { type: "submit" }, "Apply"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const next = new URLSearchParams();
      for (const name of ["start", "end", "outcome"]) { const v = form.elements[name].value; if (v) next.set(name, v); }
      A.go("/audit", next);
    });
    const body = el("div", { id: "audit-events" });
    const pager = el("nav", { class: "pager", "aria-label": "Older audit events" });
    main.append(form, body, pager);
    let token = null;
    async function load(more) {
      const input = { MaxResults: 100 };
      if (params.get("start")) input.StartTime = new Date(params.get("start")).getTime() / 1000;
      if (params.get("end")) input.EndTime = new Date(params.get("end")).getTime() / 1000;
      if (params.get("outcome")) input.Outcome = params.get("outcome");
      if (more && token) input.NextToken = token;
      let reply;
      try {
        reply = await A.call("Anneal_20261204.ListAuditEvents", input);
      } catch (error) {
        A.clear(body).appendChild(A.errorBox(error, "read the audit log"));
        A.clear(pager);
        return;
      }
      token = reply.NextToken || null;
      const node = table([
        { label: "Time", cell: (e) => A.time(e.EventTime) }, { label: "Principal", cell: (e) => e.Principal },
        { label: "Action", cell: (e) => el("code", {}, e.Action) }, { label: "Resource", cell: (e) => e.Resource },
        { label: "Outcome", cell: (e) => el("span", { class: `badge outcome-${String(e.Outcome).toLowerCase()}` }, e.Outcome) },
        { label: "Error", cell: (e) => e.ErrorCode || "" }, { label: "Source", cell: (e) => e.SourceIp },
        { label: "Key", cell: (e) => e.AccessKeyId }, { label: "Request", cell: (e) => el("code", {}, e.RequestId) },
      ], reply.AuditEvents || [], { empty: "No audit events match.", class: "audit" });
      if (more) body.appendChild(node); else A.clear(body).appendChild(node);
      A.clear(pager);
      if (token) pager.appendChild(button("Older events", () => load(true)));
    }
    load(false);
  });
})();
