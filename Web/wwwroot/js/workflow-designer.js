// The workflow designer: maps between drawflow's drawing and the Api's graph ({nodes:[{id,type,config}], edges:[{from,to,port}]}).
// The page (DesignerForm.razor) renders the palette, the empty canvas and panel, and a JSON block (#designer-data) with the
// graph, the Api's validation errors, the node types and the panel's words. This script draws the graph, lets the reader
// drag types from the palette, connect ports and edit settings, and writes the graph back into the form before it posts.
// Node positions are not part of the Api's graph: they are kept in this browser (localStorage), laid out afresh otherwise.
(function () {
  'use strict';

  const dataElement = document.getElementById('designer-data');
  const canvas = document.getElementById('designer-canvas');
  const form = document.getElementById('designer-form');
  if (!dataElement || !canvas || !form || typeof window.Drawflow !== 'function') {
    return;
  }

  const data = JSON.parse(dataElement.textContent);
  const text = data.text;
  const types = new Map(data.types.map(t => [t.type, t]));
  const panel = document.getElementById('designer-panel-body');
  const graphInput = document.getElementById('designer-graph');
  const NODE_WIDTH = 190;
  const COLUMN = 260;
  const ROW = 130;

  const editor = new window.Drawflow(canvas);
  editor.reroute = false;
  editor.start();

  let selected = null; // drawflow id of the node in the panel

  // ---- Types and nodes -------------------------------------------------------------------------------------------

  // A type the page does not describe (added to the Api later) still loads: one "out" port, config edited as JSON.
  function typeOf(name) {
    return types.get(name) || { type: name, trigger: name.startsWith('trigger.'), ports: ['out'], label: name, settings: [{ name: '', kind: 'json', label: text.config }] };
  }

  function nodes() {
    return editor.export().drawflow.Home.data;
  }

  function nodeIds() {
    return Object.values(nodes()).map(n => n.data.id);
  }

  // Ids the reader can refer to in templates (steps.notify.output): the type's short name, numbered when taken.
  function newId(type) {
    const base = type.startsWith('trigger.') ? 'start' : type.replace(/[^A-Za-z0-9_-]/g, '_');
    const taken = new Set(nodeIds());
    if (!taken.has(base)) {
      return base;
    }
    let n = 2;
    while (taken.has(base + '_' + n)) {
      n++;
    }
    return base + '_' + n;
  }

  function escapeHtml(value) {
    return String(value).replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  }

  function addNode(type, id, config, x, y) {
    const info = typeOf(type);
    const html = '<div class="wf-node-title">' + escapeHtml(info.label) + '</div>' +
      '<div class="wf-node-id" dir="ltr">' + escapeHtml(id) + '</div><ul class="wf-node-errors"></ul>';
    const drawflowId = editor.addNode(type, info.trigger ? 0 : 1, info.ports.length, x, y, 'wf-node', { id, type, config: config || {} }, html);
    const element = nodeElement(drawflowId);
    element.dataset.nodeId = id;
    element.dataset.type = type;
    element.tabIndex = 0;
    element.setAttribute('role', 'button');
    element.setAttribute('aria-label', info.label + ' ' + id);
    // A condition's ports are told apart by their names beside them.
    info.ports.forEach((port, index) => {
      const output = element.querySelector('.outputs .output_' + (index + 1));
      if (output) {
        output.dataset.port = port;
        output.title = port;
      }
    });
    return drawflowId;
  }

  function nodeElement(drawflowId) {
    return canvas.querySelector('#node-' + drawflowId);
  }

  function dataOf(drawflowId) {
    return editor.getNodeFromId(drawflowId).data;
  }

  function setData(drawflowId, patch) {
    const current = dataOf(drawflowId);
    editor.updateNodeDataFromId(drawflowId, Object.assign({}, current, patch));
  }

  // ---- Between the Api's graph and the drawing --------------------------------------------------------------------

  function toApiGraph() {
    const all = nodes();
    const apiNodes = [];
    const edges = [];
    Object.values(all).forEach(node => {
      const info = typeOf(node.data.type);
      const apiNode = { id: node.data.id, type: node.data.type };
      if (node.data.config && Object.keys(node.data.config).length > 0) {
        apiNode.config = node.data.config;
      }
      ['retry', 'timeoutSeconds'].forEach(key => {
        if (node.data[key] !== undefined) {
          apiNode[key] = node.data[key];
        }
      });
      apiNodes.push(apiNode);
      Object.entries(node.outputs).forEach(([outputClass, output]) => {
        const port = info.ports[Number(outputClass.replace('output_', '')) - 1] || 'out';
        output.connections.forEach(connection => {
          const edge = { from: node.data.id, to: all[connection.node].data.id };
          if (port !== 'out') {
            edge.port = port;
          }
          edges.push(edge);
        });
      });
    });
    return { nodes: apiNodes, edges };
  }

  function readLayout() {
    try {
      const own = localStorage.getItem(data.layoutKey);
      if (own) {
        return JSON.parse(own);
      }
      // Just created: the drawing was saved under "new" before the workflow had an id.
      if (data.adoptLayoutKey) {
        const adopted = localStorage.getItem(data.adoptLayoutKey);
        localStorage.removeItem(data.adoptLayoutKey);
        return adopted ? JSON.parse(adopted) : {};
      }
    } catch (e) {
      // Storage refused or unreadable: lay the graph out afresh.
    }
    return {};
  }

  function writeLayout() {
    const layout = {};
    Object.values(nodes()).forEach(node => {
      layout[node.data.id] = { x: Math.round(node.pos_x), y: Math.round(node.pos_y) };
    });
    try {
      localStorage.setItem(data.layoutKey, JSON.stringify(layout));
    } catch (e) {
      // Positions are a convenience; the graph itself is in the form.
    }
  }

  // Columns by distance from the trigger, rows in order: readable without any stored positions.
  function autoLayout(graph) {
    const depth = {};
    const trigger = graph.nodes.find(n => typeOf(n.type).trigger);
    if (trigger) {
      depth[trigger.id] = 0;
      const queue = [trigger.id];
      while (queue.length > 0) {
        const id = queue.shift();
        graph.edges.filter(e => e.from === id).forEach(e => {
          if (depth[e.to] === undefined) {
            depth[e.to] = depth[id] + 1;
            queue.push(e.to);
          }
        });
      }
    }
    const rows = {};
    const positions = {};
    graph.nodes.forEach(n => {
      const column = depth[n.id] !== undefined ? depth[n.id] : 0;
      rows[column] = (rows[column] || 0) + 1;
      positions[n.id] = { x: 40 + column * COLUMN, y: 40 + (rows[column] - 1) * ROW };
    });
    return positions;
  }

  function load(graph) {
    const layout = Object.assign(autoLayout(graph), readLayout());
    const byId = {};
    graph.nodes.forEach(n => {
      const at = layout[n.id] || { x: 40, y: 40 };
      byId[n.id] = addNode(n.type, n.id, n.config, at.x, at.y);
      const extra = {};
      if (n.retry) {
        extra.retry = n.retry;
      }
      if (n.timeoutSeconds) {
        extra.timeoutSeconds = n.timeoutSeconds;
      }
      if (Object.keys(extra).length > 0) {
        setData(byId[n.id], extra);
      }
    });
    graph.edges.forEach(e => {
      if (byId[e.from] === undefined || byId[e.to] === undefined) {
        return;
      }
      const from = graph.nodes.find(n => n.id === e.from);
      const index = typeOf(from.type).ports.indexOf(e.port || 'out');
      if (index >= 0) {
        editor.addConnection(byId[e.from], byId[e.to], 'output_' + (index + 1), 'input_1');
      }
    });
  }

  // ---- Validation errors from the Api, on the nodes ---------------------------------------------------------------

  function showErrors(errors) {
    Object.entries(errors || {}).forEach(([key, messages]) => {
      if (!key.startsWith('nodes.')) {
        return;
      }
      const id = key.substring('nodes.'.length);
      const element = canvas.querySelector('.drawflow-node[data-node-id="' + CSS.escape(id) + '"]');
      if (!element) {
        return;
      }
      element.classList.add('wf-invalid');
      element.setAttribute('aria-invalid', 'true');
      const list = element.querySelector('.wf-node-errors');
      list.id = 'node-errors-' + id;
      element.setAttribute('aria-describedby', list.id);
      messages.forEach(message => {
        const item = document.createElement('li');
        item.textContent = message;
        list.appendChild(item);
      });
    });
  }

  // An error belongs to the node as it was posted; once the reader changes that node, its marks go.
  function clearErrors(drawflowId) {
    const element = nodeElement(drawflowId);
    if (element) {
      element.classList.remove('wf-invalid');
      element.removeAttribute('aria-invalid');
      element.querySelector('.wf-node-errors').replaceChildren();
    }
  }

  // ---- The palette: drag with the mouse (or finger), or press to add ----------------------------------------------

  function canvasPoint(clientX, clientY) {
    const precanvas = canvas.querySelector('.drawflow');
    const box = precanvas.getBoundingClientRect();
    return { x: (clientX - box.x) / editor.zoom, y: (clientY - box.y) / editor.zoom };
  }

  function insideCanvas(clientX, clientY) {
    const box = canvas.getBoundingClientRect();
    return clientX >= box.left && clientX <= box.right && clientY >= box.top && clientY <= box.bottom;
  }

  function place(type, x, y) {
    const id = addNode(type, newId(type), {}, x, y);
    select(id);
    return id;
  }

  // Pressing a palette entry (keyboard or a click without a drag) puts the step below the lowest one.
  function placeFree(type) {
    const all = Object.values(nodes());
    const y = all.length === 0 ? 40 : Math.max(...all.map(n => n.pos_y)) + ROW;
    const id = place(type, 40, y);
    nodeElement(id).focus();
  }

  let drag = null;
  let suppressClick = false;

  document.querySelectorAll('.palette-item').forEach(button => {
    button.disabled = false;
    button.addEventListener('pointerdown', event => {
      if (event.button !== 0) {
        return;
      }
      drag = { type: button.dataset.type, label: button.textContent, startX: event.clientX, startY: event.clientY, ghost: null };
    });
    button.addEventListener('click', () => {
      if (suppressClick) {
        suppressClick = false;
        return;
      }
      placeFree(button.dataset.type);
    });
  });

  document.addEventListener('pointermove', event => {
    if (!drag) {
      return;
    }
    if (!drag.ghost) {
      if (Math.abs(event.clientX - drag.startX) + Math.abs(event.clientY - drag.startY) < 6) {
        return;
      }
      drag.ghost = document.createElement('div');
      drag.ghost.className = 'palette-ghost';
      drag.ghost.textContent = drag.label;
      document.body.appendChild(drag.ghost);
    }
    event.preventDefault();
    drag.ghost.style.left = event.clientX + 'px';
    drag.ghost.style.top = event.clientY + 'px';
  });

  document.addEventListener('pointerup', event => {
    if (!drag) {
      return;
    }
    const finished = drag;
    drag = null;
    if (!finished.ghost) {
      return; // a plain click: the click handler adds it
    }
    finished.ghost.remove();
    suppressClick = true;
    setTimeout(() => { suppressClick = false; }, 0);
    if (insideCanvas(event.clientX, event.clientY)) {
      const at = canvasPoint(event.clientX, event.clientY);
      // The pointer holds the node's title, not its corner.
      place(finished.type, at.x - NODE_WIDTH / 2, at.y - 20);
    }
  });

  // ---- The settings panel -----------------------------------------------------------------------------------------

  function field(id, label, control, hint) {
    const wrapper = document.createElement('div');
    wrapper.className = 'field';
    const labelElement = document.createElement('label');
    labelElement.htmlFor = id;
    labelElement.textContent = label;
    wrapper.appendChild(labelElement);
    control.id = id;
    wrapper.appendChild(control);
    if (hint) {
      const hintElement = document.createElement('p');
      hintElement.className = 'hint';
      hintElement.id = id + '-hint';
      hintElement.textContent = hint;
      control.setAttribute('aria-describedby', hintElement.id);
      wrapper.appendChild(hintElement);
    }
    return wrapper;
  }

  function settingControl(setting, value) {
    let control;
    if (setting.kind === 'flag') {
      control = document.createElement('input');
      control.type = 'checkbox';
      control.checked = value !== false;
      return control;
    }
    if (setting.kind === 'json') {
      control = document.createElement('textarea');
      control.rows = 4;
      control.value = value === undefined ? '' : (typeof value === 'string' ? value : JSON.stringify(value, null, 2));
    } else {
      control = document.createElement('input');
      control.type = setting.kind === 'number' ? 'number' : 'text';
      control.value = value === undefined || value === null ? '' : String(value);
    }
    control.setAttribute('dir', 'ltr');
    return control;
  }

  function readSetting(setting, control) {
    if (setting.kind === 'flag') {
      return control.checked;
    }
    const raw = control.value.trim();
    if (raw === '') {
      return undefined;
    }
    if (setting.kind === 'number') {
      const number = Number(raw);
      return Number.isNaN(number) ? raw : number;
    }
    if (setting.kind === 'json') {
      // JSON when it parses; otherwise the text itself (a template such as {{ trigger.data.x }}).
      try {
        return JSON.parse(raw);
      } catch (e) {
        return raw;
      }
    }
    return control.value;
  }

  function otherNodes(drawflowId) {
    return Object.values(nodes()).filter(n => String(n.id) !== String(drawflowId) && !typeOf(n.data.type).trigger);
  }

  function renderPanel() {
    panel.replaceChildren();
    if (selected === null || !nodes()[selected]) {
      const empty = document.createElement('p');
      empty.className = 'muted';
      empty.textContent = text.selectStep;
      panel.appendChild(empty);
      return;
    }
    const drawflowId = selected;
    const node = editor.getNodeFromId(drawflowId);
    const info = typeOf(node.data.type);

    const heading = document.createElement('h3');
    heading.textContent = info.label;
    panel.appendChild(heading);

    const idInput = document.createElement('input');
    idInput.type = 'text';
    idInput.value = node.data.id;
    idInput.setAttribute('dir', 'ltr');
    idInput.dataset.setting = 'id';
    idInput.addEventListener('change', () => {
      const id = idInput.value.trim();
      if (id === '' || nodeIds().includes(id)) {
        idInput.value = dataOf(drawflowId).id;
        return;
      }
      setData(drawflowId, { id });
      const element = nodeElement(drawflowId);
      element.dataset.nodeId = id;
      element.querySelector('.wf-node-id').textContent = id;
      element.setAttribute('aria-label', info.label + ' ' + id);
      clearErrors(drawflowId);
    });
    panel.appendChild(field('step-id', text.stepId, idInput, text.stepIdHint));

    if (info.settings.length === 0) {
      const none = document.createElement('p');
      none.className = 'muted';
      none.textContent = text.noSettings;
      panel.appendChild(none);
    }
    info.settings.forEach(setting => {
      // An unknown type's whole config is one JSON setting (its name is empty).
      const config = node.data.config || {};
      const control = settingControl(setting, setting.name === '' ? config : config[setting.name]);
      control.dataset.setting = setting.name;
      if (setting.required) {
        control.setAttribute('aria-required', 'true');
      }
      control.addEventListener(setting.kind === 'flag' ? 'change' : 'input', () => {
        const current = Object.assign({}, dataOf(drawflowId).config || {});
        const value = readSetting(setting, control);
        let next;
        if (setting.name === '') {
          next = value && typeof value === 'object' ? value : {};
        } else {
          next = current;
          if (value === undefined) {
            delete next[setting.name];
          } else {
            next[setting.name] = value;
          }
        }
        setData(drawflowId, { config: next });
        clearErrors(drawflowId);
      });
      const label = setting.name === '' ? setting.label : setting.label + ' (' + setting.name + ')';
      panel.appendChild(field('setting-' + (setting.name || 'config'), label, control, setting.kind === 'json' ? text.jsonHint : null));
    });

    renderConnections(drawflowId, info);

    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'button danger small';
    remove.textContent = text.remove;
    remove.dataset.testid = 'remove-step';
    remove.addEventListener('click', () => {
      editor.removeNodeId('node-' + drawflowId);
      selected = null;
      renderPanel();
    });
    panel.appendChild(remove);
  }

  // Connecting from the keyboard: each output port lists where it leads and offers the other steps.
  function renderConnections(drawflowId, info) {
    const node = editor.getNodeFromId(drawflowId);
    const fieldset = document.createElement('fieldset');
    const legend = document.createElement('legend');
    legend.textContent = text.next;
    fieldset.appendChild(legend);
    let shown = false;
    info.ports.forEach((port, index) => {
      const outputClass = 'output_' + (index + 1);
      const connections = (node.outputs[outputClass] || { connections: [] }).connections;
      const list = document.createElement('ul');
      list.className = 'wf-connections';
      connections.forEach(connection => {
        const item = document.createElement('li');
        const target = dataOf(connection.node).id;
        item.append((info.ports.length > 1 ? port + ' → ' : '→ ') + target + ' ');
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'link-button';
        button.textContent = text.disconnect;
        button.setAttribute('aria-label', text.disconnect + ' ' + target);
        button.addEventListener('click', () => {
          editor.removeSingleConnection(drawflowId, connection.node, outputClass, connection.output);
          renderPanel();
        });
        item.appendChild(button);
        list.appendChild(item);
      });
      fieldset.appendChild(list);
      shown = shown || connections.length > 0;
      const choices = otherNodes(drawflowId).filter(n => !connections.some(c => String(c.node) === String(n.id)));
      if (choices.length > 0) {
        const row = document.createElement('div');
        row.className = 'row-form';
        const pick = document.createElement('select');
        choices.forEach(n => pick.add(new Option(n.data.id, n.id)));
        const connect = document.createElement('button');
        connect.type = 'button';
        connect.className = 'button small';
        connect.textContent = text.link;
        connect.addEventListener('click', () => {
          editor.addConnection(drawflowId, pick.value, outputClass, 'input_1');
          renderPanel();
        });
        row.appendChild(field('connect-' + port, info.ports.length > 1 ? text.connect + ' (' + port + ')' : text.connect, pick));
        row.appendChild(connect);
        fieldset.appendChild(row);
        shown = true;
      }
    });
    // A step with nowhere to go yet (the only step, or every other linked already) shows no empty box.
    if (shown) {
      panel.appendChild(fieldset);
    }
  }

  function select(drawflowId) {
    selected = drawflowId === null ? null : String(drawflowId);
    canvas.querySelectorAll('.drawflow-node.wf-current').forEach(e => e.classList.remove('wf-current'));
    if (selected !== null && nodeElement(selected)) {
      nodeElement(selected).classList.add('wf-current');
    }
    renderPanel();
  }

  editor.on('nodeSelected', id => select(id));
  editor.on('connectionCreated', () => renderPanel());
  editor.on('connectionRemoved', () => renderPanel());
  editor.on('nodeRemoved', id => {
    if (String(id) === selected) {
      select(null);
    }
  });

  // Enter or space on a focused node opens its settings, as a click does.
  canvas.addEventListener('keydown', event => {
    const element = event.target.closest && event.target.closest('.drawflow-node');
    if (element && (event.key === 'Enter' || event.key === ' ')) {
      event.preventDefault();
      select(element.id.replace('node-', ''));
    }
  });

  // drawflow deletes its selected node on Delete anywhere in the document; typing in the panel must not.
  panel.addEventListener('keydown', event => event.stopPropagation());
  form.querySelectorAll('input, textarea').forEach(control => control.addEventListener('keydown', event => event.stopPropagation()));

  // ---- Posting ----------------------------------------------------------------------------------------------------

  form.addEventListener('submit', () => {
    graphInput.value = JSON.stringify(toApiGraph());
    writeLayout();
  });

  load(data.graph || { nodes: [], edges: [] });
  showErrors(data.errors);
  const firstInvalid = canvas.querySelector('.wf-invalid');
  if (firstInvalid) {
    select(firstInvalid.id.replace('node-', ''));
  }
  canvas.dataset.ready = 'true';
})();
