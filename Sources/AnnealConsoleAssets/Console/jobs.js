// Training jobs: the list (filters, sorting, server-side pages, live status) and one job (timeline,
// settings, cost, live logs with search, metric and utilisation charts, artifacts, stop).
"use strict";

(() => {
  const A = Anneal;
  const { el, button, section, table } = A;
  const statuses = ["InProgress", "Completed", "Failed", "Stopping", "Stopped"];
  const LOG_GROUP = "/aws/sagemaker/TrainingJobs";
  const NAMESPACE = "/aws/sagemaker/TrainingJobs";

  // ---- the list ---------------------------------------------------------------------------------
  A.page(/^\/jobs$/, async (main, _args, params) => {
    main.appendChild(el("h1", {}, "Training jobs"));
    const filters = {
      status: params.get("status") || "", name: params.get("name") || "",
      after: params.get("after") || "", before: params.get("before") || "",
      sort: params.get("sort") || "CreationTime", order: params.get("order") || "Descending",
    };
    const form = el("form", { class: "filters", role: "search", "aria-label": "Filter training jobs" },
      el("label", { for: "f-status" }, "Status"),
      el("select", { id: "f-status", name: "status" }, el("option", { value: "" }, "Any"),
        statuses.map((s) => el("option", { value: s, selected: s === filters.status }, s))),
      el("label", { for: "f-name" }, "Name contains"),
      el("input", { id: "f-name", name: "name", value: filters.name, spellcheck: "false" }),
      el("label", { for: "f-after" }, "Created after"),
      el("input", { id: "f-after", name: "after", type: "datetime-local", value: filters.after }),
      el("label", { for: "f-before" }, "Created before"),
      el("input", { id: "f-before", name: "before", type: "datetime-local", value: filters.before }),
      el("button", { type: "submit" }, "Apply"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const next = new URLSearchParams();
      for (const name of ["status", "name", "after", "before"]) { const v = form.elements[name].value; if (v) next.set(name, v); }
      if (filters.sort !== "CreationTime") next.set("sort", filters.sort);
      if (filters.order !== "Descending") next.set("order", filters.order);
      A.go("/jobs", next);
    });
    main.appendChild(form);
    const results = el("div", { id: "jobs-results" });
    const pager = el("nav", { class: "pager", "aria-label": "Pages of training jobs" });
    main.append(results, pager);

    // Tokens of the pages before this one, so Previous works with NextToken pagination.
    const tokens = [null];
    let index = 0;
    let nextToken = null;
    let shownState = null;
    const live = A.current();

    function sortBy(key) {
      const next = new URLSearchParams(params);
      const order = filters.sort === key && filters.order === "Descending" ? "Ascending" : "Descending";
      next.set("sort", key);
      next.set("order", order);
      A.go("/jobs", next);
    }

    async function load() {
      const input = { MaxResults: 50, SortBy: filters.sort, SortOrder: filters.order };
      if (filters.status) input.StatusEquals = filters.status;
      if (filters.name) input.NameContains = filters.name;
      if (filters.after) input.CreationTimeAfter = new Date(filters.after).getTime() / 1000;
      if (filters.before) input.CreationTimeBefore = new Date(filters.before).getTime() / 1000;
      if (tokens[index]) input.NextToken = tokens[index];
      let reply;
      try {
        reply = await A.sagemaker("ListTrainingJobs", input);
      } catch (error) {
        if (!live()) return;
        A.clear(results).appendChild(A.errorBox(error, "list training jobs"));
        return;
      }
      if (!live()) return;
      // Unchanged since the last poll: leave the table (and the keyboard focus in it) alone.
      const seen = JSON.stringify([index, reply]);
      if (seen === shownState) return;
      shownState = seen;
      nextToken = reply.NextToken || null;
      const rows = reply.TrainingJobSummaries || [];
      A.clear(results).appendChild(table([
        { label: "Name", sort: "Name", cell: (j) => el("a", { href: `#/jobs/${encodeURIComponent(j.TrainingJobName)}` }, j.TrainingJobName) },
        { label: "Status", sort: "Status", cell: (j) => A.statusBadge(j.TrainingJobStatus) },
        { label: "Created", sort: "CreationTime", cell: (j) => A.time(j.CreationTime) },
        { label: "Ended", cell: (j) => A.time(j.TrainingEndTime) },
        { label: "Duration", cell: (j) => j.TrainingEndTime ? A.seconds(j.TrainingEndTime - j.CreationTime) : "—" },
      ], rows, { sort: { key: filters.sort, order: filters.order }, onSort: sortBy, caption: `Page ${index + 1}`,
                 empty: "No training jobs match.", class: "jobs" }));
      A.clear(pager).append(
        button("Previous page", () => { index--; load(); }, { disabled: index === 0 }),
        el("span", {}, ` Page ${index + 1} `),
        button("Next page", () => { tokens[index + 1] = nextToken; index++; load(); }, { disabled: !nextToken }));
    }
    A.poll(load, 3000);
  });

  // ---- one job ----------------------------------------------------------------------------------
  A.page(/^\/jobs\/(.+)$/, async (main, [name]) => {
    const live = A.current();
    main.appendChild(el("p", { class: "crumbs" }, el("a", { href: "#/jobs" }, "Training jobs"), " / ", name));
    const header = el("div", { class: "job-header" });
    const overview = el("div");
    const logsPart = el("div");
    const metricsPart = el("div");
    const utilisationPart = el("div");
    const artifactsPart = el("div");
    main.append(header, overview, logsPart, metricsPart, utilisationPart, artifactsPart);

    let job;
    try {
      job = await A.sagemaker("DescribeTrainingJob", { TrainingJobName: name });
    } catch (error) {
      main.appendChild(A.errorBox(error, "describe this training job"));
      return;
    }
    renderHeader(header, job);
    renderOverview(overview, job);
    const tail = logTail(logsPart, name);
    const metrics = metricCharts(metricsPart, job);
    const utilisation = utilisationCharts(utilisationPart, job);
    const artifacts = artifactLinks(artifactsPart, job);

    let finishedPolls = 0;
    let shownJob = JSON.stringify(Object.assign({}, job, { LastModifiedTime: 0 }));
    A.poll(async () => {
      if (!live()) return;
      const previous = job.TrainingJobStatus;
      try {
        job = await A.sagemaker("DescribeTrainingJob", { TrainingJobName: name });
      } catch (_) { return; }
      if (!live()) return;
      // Re-drawn only when something shown changed, so a half-done stop confirmation or the
      // keyboard focus is not swept away by a poll.
      const seen = JSON.stringify(Object.assign({}, job, { LastModifiedTime: 0 }));
      if (seen !== shownJob) {
        shownJob = seen;
        renderHeader(header, job);
        renderOverview(overview, job);
      }
      if (previous !== job.TrainingJobStatus) A.announce(`Job ${name} is now ${job.TrainingJobStatus}`);
      const running = job.TrainingJobStatus === "InProgress" || job.TrainingJobStatus === "Stopping";
      // A finished job's logs and metrics settle within a few seconds: refresh a few more times, then stop.
      if (running || finishedPolls++ < 3) {
        await Promise.all([tail.refresh(), metrics.refresh(job), utilisation.refresh(job)]);
        if (!running) await artifacts.refresh(job);
      }
    }, 2000);
    await Promise.all([tail.refresh(), artifacts.refresh(job)]);
  });

  function renderHeader(header, job) {
    A.clear(header);
    header.appendChild(el("h1", {}, job.TrainingJobName, " ", A.statusBadge(job.TrainingJobStatus)));
    header.appendChild(el("p", { class: "secondary" }, "Secondary status: ", el("strong", { id: "secondary-status" }, job.SecondaryStatus || "—")));
    if (job.FailureReason) header.appendChild(el("p", { class: "error-box" }, "Failure reason: ", job.FailureReason));
    if (job.TrainingJobStatus === "InProgress") {
      const area = el("div", { class: "actions" });
      const stop = button("Stop job", () => {
        A.clear(area).append(el("span", {}, "Stop this job? Its script gets SIGTERM and the model it saved is kept. "),
          button("Yes, stop it", async (event) => {
            event.target.disabled = true;
            try {
              await A.sagemaker("StopTrainingJob", { TrainingJobName: job.TrainingJobName });
              A.clear(area).appendChild(el("p", { role: "status" }, "Stop requested."));
            } catch (error) {
              A.clear(area).appendChild(A.errorBox(error, "stop this job"));
            }
          }, { class: "danger", id: "confirm-stop" }),
          button("Cancel", () => renderHeader(header, job)));
        area.querySelector("#confirm-stop").focus();
      }, { class: "danger", id: "stop-job" });
      area.appendChild(stop);
      header.appendChild(area);
    }
  }

  function renderOverview(overview, job) {
    const started = job.TrainingStartTime, ended = job.TrainingEndTime;
    const resources = job.ResourceConfig || {};
    const stopping = job.StoppingCondition || {};
    const spot = !!job.EnableManagedSpotTraining;
    const billable = job.BillableTimeInSeconds, training = job.TrainingTimeInSeconds;
    const savings = spot && billable !== undefined && training ? Math.max(0, (1 - billable / training) * 100) : null;
    A.clear(overview).append(
      section("Status timeline", el("ol", { class: "timeline" }, (job.SecondaryStatusTransitions || []).map((t) =>
        el("li", {}, el("strong", {}, t.Status), " ", el("span", { class: "when" }, A.time(t.StartTime), t.EndTime ? ` → ${A.time(t.EndTime)}` : " (now)"),
          t.StatusMessage ? el("div", { class: "note" }, t.StatusMessage) : null)))),
      el("div", { class: "columns" },
        section("Job", A.definitionList([
          ["ARN", job.TrainingJobArn], ["Created", A.time(job.CreationTime)], ["Training started", A.time(started)],
          ["Training ended", A.time(ended)], ["Image", (job.AlgorithmSpecification || {}).TrainingImage || "—"],
          ["Role", job.RoleArn || "—"], ["Output", (job.OutputDataConfig || {}).S3OutputPath || "—"],
        ])),
        section("Resources", A.definitionList([
          ["Instance type", resources.InstanceType || "—"], ["Instances", String(resources.InstanceCount ?? "—")],
          ["Volume", resources.VolumeSizeInGB ? `${resources.VolumeSizeInGB} GB` : "—"],
          ["Max runtime", A.seconds(stopping.MaxRuntimeInSeconds)],
          ["Max wait", stopping.MaxWaitTimeInSeconds ? A.seconds(stopping.MaxWaitTimeInSeconds) : "—"],
        ])),
        section("Cost", A.definitionList([
          ["Managed spot", spot ? "Yes" : "No"], ["Training time", A.seconds(training)], ["Billable time", A.seconds(billable)],
          ["Spot savings", savings === null ? "—" : `${savings.toFixed(1)} %`],
          ["Instance cost", el("span", { id: "instance-cost" }, "…")],
        ]))),
      section("Hyperparameters", table([{ label: "Name", cell: (r) => r[0] }, { label: "Value", cell: (r) => el("code", {}, r[1]) }],
        Object.entries(job.HyperParameters || {}).sort(), { empty: "No hyperparameters." })),
      section("Input channels", table([
        { label: "Channel", cell: (c) => c.ChannelName },
        { label: "Source", cell: (c) => ((c.DataSource || {}).S3DataSource || {}).S3Uri || "—" },
        { label: "Distribution", cell: (c) => ((c.DataSource || {}).S3DataSource || {}).S3DataDistributionType || "—" },
        { label: "Content type", cell: (c) => c.ContentType || "—" },
        { label: "Input mode", cell: (c) => c.InputMode || (job.AlgorithmSpecification || {}).TrainingInputMode || "—" },
      ], job.InputDataConfig || [], { empty: "No input channels." })),
      tagsSection(job));
    instanceCost(job);
  }

  // Tags come from their own call, and hold whatever users wrote: text only.
  function tagsSection(job) {
    const part = section("Tags", el("p", { class: "note" }, "Loading…"));
    A.sagemaker("ListTags", { ResourceArn: job.TrainingJobArn }).then((reply) => {
      part.replaceChild(table([{ label: "Key", cell: (t) => t.Key }, { label: "Value", cell: (t) => t.Value }], reply.Tags || [],
        { empty: "No tags.", class: "tags" }), part.lastChild);
    }, (error) => part.replaceChild(A.errorBox(error, "read the tags"), part.lastChild));
    return part;
  }

  async function instanceCost(job) {
    try {
      const reply = await A.call("AnnealCapacity_20261204.DescribeCapacity", { Job: job.TrainingJobName, MaxResults: 1000 });
      const now = Date.now() / 1000;
      let actual = 0, onDemand = 0;
      for (const instance of reply.Instances || []) {
        const hours = Math.max(0, (instance.releasedAt || now) - instance.launchedAt) / 3600;
        actual += hours * instance.pricePerHour;
        onDemand += hours * instance.onDemandPricePerHour;
      }
      const cell = document.getElementById("instance-cost");
      if (cell) cell.textContent = `${A.money(actual)} (on demand ${A.money(onDemand)}, saved ${A.money(onDemand - actual)})`;
    } catch (error) {
      const cell = document.getElementById("instance-cost");
      if (cell) cell.textContent = error.denied ? "needs anneal:DescribeCapacity" : "not available";
    }
  }

  // ---- logs -------------------------------------------------------------------------------------
  function logTail(part, name) {
    const search = el("input", { id: "log-search", type: "search", spellcheck: "false", placeholder: "Text in the line" });
    const count = el("span", { class: "note", id: "log-count", "aria-live": "polite" });
    const list = el("ol", { class: "log", id: "log-lines", tabindex: "0", "aria-label": "Log lines" });
    const problem = el("div");
    part.appendChild(section("Logs", el("div", { class: "log-tools" }, el("label", { for: "log-search" }, "Search the log"), search, count),
      problem, list));
    const streams = new Map();  // stream name -> next forward token
    let lines = 0;

    function applySearch() {
      const needle = search.value.toLowerCase();
      let shown = 0;
      for (const item of list.children) {
        const match = !needle || item.dataset.text.includes(needle);
        item.hidden = !match;
        if (match) shown++;
      }
      count.textContent = needle ? `${shown} of ${list.children.length} lines match` : `${lines} lines`;
    }
    search.addEventListener("input", applySearch);

    // The newest lines first (a long log is not read from its start), then forward from there.
    const MAX_LINES = 5000;
    async function refresh() {
      try {
        const described = await A.logs("DescribeLogStreams", { logGroupName: LOG_GROUP, logStreamNamePrefix: `${name}/` });
        for (const stream of described.logStreams || []) if (!streams.has(stream.logStreamName)) streams.set(stream.logStreamName, null);
        const stick = list.scrollTop + list.clientHeight >= list.scrollHeight - 8;
        for (const stream of streams.keys()) {
          for (let page = 0; page < 10; page++) {
            const token = streams.get(stream);
            const input = { logGroupName: LOG_GROUP, logStreamName: stream, limit: 1000, startFromHead: token !== null };
            if (token) input.nextToken = token;
            const reply = await A.logs("GetLogEvents", input);
            const host = stream.split("/")[1] ? stream.split("/")[1].replace(/-\d+$/, "") : "";
            for (const event of reply.events || []) {
              const item = el("li", {}, el("span", { class: "when" }, new Date(event.timestamp).toLocaleTimeString()), " ",
                el("span", { class: "host" }, host), " ", el("span", { class: "text" }, event.message));
              item.dataset.text = String(event.message).toLowerCase();
              list.appendChild(item);
              lines++;
            }
            streams.set(stream, reply.nextForwardToken || token);
            if (!(reply.events || []).length || reply.nextForwardToken === token) break;
          }
        }
        while (list.children.length > MAX_LINES) list.removeChild(list.firstChild);
        A.clear(problem);
        if (!streams.size) problem.appendChild(el("p", { class: "note" }, "No log lines yet."));
        if (lines > list.children.length) {
          problem.appendChild(el("p", { class: "note" }, `Showing the last ${list.children.length} lines.`));
        }
        applySearch();
        if (stick) list.scrollTop = list.scrollHeight;
      } catch (error) {
        A.clear(problem).appendChild(A.errorBox(error, "read the logs"));
      }
    }
    return { refresh };
  }

  // ---- charts -----------------------------------------------------------------------------------
  function range(job) {
    const start = (job.TrainingStartTime || job.CreationTime) - 5;
    const end = (job.TrainingEndTime || Date.now() / 1000) + 5;
    // CloudWatch's periods: 1, 5, 10, 30 or a multiple of 60; about 300 points across the job at most.
    const wanted = (end - start) / 300;
    const period = [1, 5, 10, 30].find((p) => p >= wanted) || Math.ceil(wanted / 60) * 60;
    return { start, end, period };
  }

  async function seriesData(queries, job) {
    const { start, end, period } = range(job);
    const reply = await A.cloudwatch("GetMetricData", {
      StartTime: start, EndTime: end, ScanBy: "TimestampAscending",
      MetricDataQueries: queries.map((q, i) => ({ Id: `m${i}`, Label: q.label, ReturnData: true,
        MetricStat: { Metric: { Namespace: NAMESPACE, MetricName: q.metric, Dimensions: q.dimensions }, Period: period, Stat: "Average" } })),
    });
    return (reply.MetricDataResults || []).map((r, i) => ({
      name: queries[i].label, points: (r.Timestamps || []).map((t, k) => [t, r.Values[k]]),
    }));
  }

  function metricCharts(part, job) {
    const body = el("div", { id: "metric-charts" });
    part.appendChild(section("Algorithm metrics", body));
    async function refresh(latest) {
      const definitions = ((latest || job).AlgorithmSpecification || {}).MetricDefinitions || [];
      if (!definitions.length) { A.clear(body).appendChild(el("p", { class: "note" }, "This job defines no metrics.")); return; }
      try {
        const dimensions = [{ Name: "TrainingJobName", Value: job.TrainingJobName }];
        const series = await seriesData(definitions.map((d) => ({ metric: d.Name, label: d.Name, dimensions })), latest || job);
        A.clear(body).append(...series.map((s) => Charts.timeSeries([s], { title: s.name })));
        const final = (latest || job).FinalMetricDataList || [];
        if (final.length) body.appendChild(table([{ label: "Metric", cell: (m) => m.MetricName }, { label: "Final value", cell: (m) => A.number(m.Value) }],
          final, { caption: "Final values" }));
      } catch (error) {
        A.clear(body).appendChild(A.errorBox(error, "read the metrics"));
      }
    }
    refresh(job);
    return { refresh };
  }

  function utilisationCharts(part, job) {
    const body = el("div", { id: "utilisation-charts" });
    part.appendChild(section("Utilisation per host", body));
    async function refresh(latest) {
      const count = ((latest || job).ResourceConfig || {}).InstanceCount || 1;
      try {
        // One call for every host and metric.
        const names = ["CPUUtilization", "MemoryUtilization", "DiskUtilization", "GPUUtilization"];
        const hosts = Array.from({ length: Math.min(count, 16) }, (_, i) => i + 1);
        const queries = hosts.flatMap((host) => names.map((n) => ({
          host, metric: n, label: n.replace("Utilization", ""), dimensions: [{ Name: "Host", Value: `${job.TrainingJobName}/algo-${host}` }] })));
        const series = await seriesData(queries, latest || job);
        const figures = hosts.map((host) => {
          const mine = series.filter((s, i) => queries[i].host === host && s.points.length);
          return mine.length ? Charts.timeSeries(mine, { title: `algo-${host}`, unit: "%", yMin: 0, yMax: 100 })
                             : el("p", { class: "note" }, `algo-${host}: no samples yet.`);
        });
        A.clear(body).append(...figures);
      } catch (error) {
        A.clear(body).appendChild(A.errorBox(error, "read the utilisation"));
      }
    }
    refresh(job);
    return { refresh };
  }

  // ---- artifacts --------------------------------------------------------------------------------
  function parseS3(uri) {
    const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri || "");
    return match ? { bucket: match[1], key: match[2] } : null;
  }

  function artifactLinks(part, job) {
    const body = el("div", { id: "artifacts" });
    part.appendChild(section("Artifacts", body));
    async function refresh(latest) {
      const current = latest || job;
      const output = parseS3((current.OutputDataConfig || {}).S3OutputPath);
      if (!output) { A.clear(body).appendChild(el("p", { class: "note" }, "No output path.")); return; }
      const prefix = `${output.key.replace(/\/$/, "")}${output.key ? "/" : ""}${current.TrainingJobName}/`;
      try {
        const doc = await A.s3("GET", output.bucket, "", { query: { "list-type": "2", prefix } });
        const objects = [...doc.getElementsByTagName("Contents")].map((c) => ({ key: A.xmlText(c, "Key"), size: Number(A.xmlText(c, "Size")) }));
        A.clear(body).appendChild(table([
          { label: "Object", cell: (o) => el("a", { href: A.s3Path(output.bucket, o.key), download: o.key.split("/").pop() }, `s3://${output.bucket}/${o.key}`) },
          { label: "Size", cell: (o) => A.bytes(o.size) },
        ], objects, { empty: current.TrainingJobStatus === "InProgress" ? "The job has not uploaded artifacts yet." : "No artifacts." }));
      } catch (error) {
        A.clear(body).appendChild(A.errorBox(error, "list the artifacts"));
      }
    }
    return { refresh };
  }
})();
