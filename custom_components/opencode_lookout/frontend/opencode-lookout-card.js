/* opencode-lookout-card 0.1.0: built from card/ by scripts/build-card; do not edit */
var j=globalThis,q=j.ShadowRoot&&(j.ShadyCSS===void 0||j.ShadyCSS.nativeShadow)&&"adoptedStyleSheets"in Document.prototype&&"replace"in CSSStyleSheet.prototype,ie=Symbol(),ve=new WeakMap,H=class{constructor(e,t,s){if(this._$cssResult$=!0,s!==ie)throw Error("CSSResult is not constructable. Use `unsafeCSS` or `css` instead.");this.cssText=e,this.t=t}get styleSheet(){let e=this.o,t=this.t;if(q&&e===void 0){let s=t!==void 0&&t.length===1;s&&(e=ve.get(t)),e===void 0&&((this.o=e=new CSSStyleSheet).replaceSync(this.cssText),s&&ve.set(t,e))}return e}toString(){return this.cssText}},ye=i=>new H(typeof i=="string"?i:i+"",void 0,ie),ne=(i,...e)=>{let t=i.length===1?i[0]:e.reduce((s,n,r)=>s+(o=>{if(o._$cssResult$===!0)return o.cssText;if(typeof o=="number")return o;throw Error("Value passed to 'css' function must be a 'css' function result: "+o+". Use 'unsafeCSS' to pass non-literal values, but take care to ensure page security.")})(n)+i[r+1],i[0]);return new H(t,i,ie)},be=(i,e)=>{if(q)i.adoptedStyleSheets=e.map(t=>t instanceof CSSStyleSheet?t:t.styleSheet);else for(let t of e){let s=document.createElement("style"),n=j.litNonce;n!==void 0&&s.setAttribute("nonce",n),s.textContent=t.cssText,i.appendChild(s)}},re=q?i=>i:i=>i instanceof CSSStyleSheet?(e=>{let t="";for(let s of e.cssRules)t+=s.cssText;return ye(t)})(i):i;var{is:ot,defineProperty:at,getOwnPropertyDescriptor:lt,getOwnPropertyNames:ct,getOwnPropertySymbols:dt,getPrototypeOf:ht}=Object,B=globalThis,we=B.trustedTypes,pt=we?we.emptyScript:"",ut=B.reactiveElementPolyfillSupport,U=(i,e)=>i,oe={toAttribute(i,e){switch(e){case Boolean:i=i?pt:null;break;case Object:case Array:i=i==null?i:JSON.stringify(i)}return i},fromAttribute(i,e){let t=i;switch(e){case Boolean:t=i!==null;break;case Number:t=i===null?null:Number(i);break;case Object:case Array:try{t=JSON.parse(i)}catch{t=null}}return t}},Ae=(i,e)=>!ot(i,e),xe={attribute:!0,type:String,converter:oe,reflect:!1,useDefault:!1,hasChanged:Ae};Symbol.metadata??=Symbol("metadata"),B.litPropertyMetadata??=new WeakMap;var v=class extends HTMLElement{static addInitializer(e){this._$Ei(),(this.l??=[]).push(e)}static get observedAttributes(){return this.finalize(),this._$Eh&&[...this._$Eh.keys()]}static createProperty(e,t=xe){if(t.state&&(t.attribute=!1),this._$Ei(),this.prototype.hasOwnProperty(e)&&((t=Object.create(t)).wrapped=!0),this.elementProperties.set(e,t),!t.noAccessor){let s=Symbol(),n=this.getPropertyDescriptor(e,s,t);n!==void 0&&at(this.prototype,e,n)}}static getPropertyDescriptor(e,t,s){let{get:n,set:r}=lt(this.prototype,e)??{get(){return this[t]},set(o){this[t]=o}};return{get:n,set(o){let d=n?.call(this);r?.call(this,o),this.requestUpdate(e,d,s)},configurable:!0,enumerable:!0}}static getPropertyOptions(e){return this.elementProperties.get(e)??xe}static _$Ei(){if(this.hasOwnProperty(U("elementProperties")))return;let e=ht(this);e.finalize(),e.l!==void 0&&(this.l=[...e.l]),this.elementProperties=new Map(e.elementProperties)}static finalize(){if(this.hasOwnProperty(U("finalized")))return;if(this.finalized=!0,this._$Ei(),this.hasOwnProperty(U("properties"))){let t=this.properties,s=[...ct(t),...dt(t)];for(let n of s)this.createProperty(n,t[n])}let e=this[Symbol.metadata];if(e!==null){let t=litPropertyMetadata.get(e);if(t!==void 0)for(let[s,n]of t)this.elementProperties.set(s,n)}this._$Eh=new Map;for(let[t,s]of this.elementProperties){let n=this._$Eu(t,s);n!==void 0&&this._$Eh.set(n,t)}this.elementStyles=this.finalizeStyles(this.styles)}static finalizeStyles(e){let t=[];if(Array.isArray(e)){let s=new Set(e.flat(1/0).reverse());for(let n of s)t.unshift(re(n))}else e!==void 0&&t.push(re(e));return t}static _$Eu(e,t){let s=t.attribute;return s===!1?void 0:typeof s=="string"?s:typeof e=="string"?e.toLowerCase():void 0}constructor(){super(),this._$Ep=void 0,this.isUpdatePending=!1,this.hasUpdated=!1,this._$Em=null,this._$Ev()}_$Ev(){this._$ES=new Promise(e=>this.enableUpdating=e),this._$AL=new Map,this._$E_(),this.requestUpdate(),this.constructor.l?.forEach(e=>e(this))}addController(e){(this._$EO??=new Set).add(e),this.renderRoot!==void 0&&this.isConnected&&e.hostConnected?.()}removeController(e){this._$EO?.delete(e)}_$E_(){let e=new Map,t=this.constructor.elementProperties;for(let s of t.keys())this.hasOwnProperty(s)&&(e.set(s,this[s]),delete this[s]);e.size>0&&(this._$Ep=e)}createRenderRoot(){let e=this.shadowRoot??this.attachShadow(this.constructor.shadowRootOptions);return be(e,this.constructor.elementStyles),e}connectedCallback(){this.renderRoot??=this.createRenderRoot(),this.enableUpdating(!0),this._$EO?.forEach(e=>e.hostConnected?.())}enableUpdating(e){}disconnectedCallback(){this._$EO?.forEach(e=>e.hostDisconnected?.())}attributeChangedCallback(e,t,s){this._$AK(e,s)}_$ET(e,t){let s=this.constructor.elementProperties.get(e),n=this.constructor._$Eu(e,s);if(n!==void 0&&s.reflect===!0){let r=(s.converter?.toAttribute!==void 0?s.converter:oe).toAttribute(t,s.type);this._$Em=e,r==null?this.removeAttribute(n):this.setAttribute(n,r),this._$Em=null}}_$AK(e,t){let s=this.constructor,n=s._$Eh.get(e);if(n!==void 0&&this._$Em!==n){let r=s.getPropertyOptions(n),o=typeof r.converter=="function"?{fromAttribute:r.converter}:r.converter?.fromAttribute!==void 0?r.converter:oe;this._$Em=n;let d=o.fromAttribute(t,r.type);this[n]=d??this._$Ej?.get(n)??d,this._$Em=null}}requestUpdate(e,t,s,n=!1,r){if(e!==void 0){let o=this.constructor;if(n===!1&&(r=this[e]),s??=o.getPropertyOptions(e),!((s.hasChanged??Ae)(r,t)||s.useDefault&&s.reflect&&r===this._$Ej?.get(e)&&!this.hasAttribute(o._$Eu(e,s))))return;this.C(e,t,s)}this.isUpdatePending===!1&&(this._$ES=this._$EP())}C(e,t,{useDefault:s,reflect:n,wrapped:r},o){s&&!(this._$Ej??=new Map).has(e)&&(this._$Ej.set(e,o??t??this[e]),r!==!0||o!==void 0)||(this._$AL.has(e)||(this.hasUpdated||s||(t=void 0),this._$AL.set(e,t)),n===!0&&this._$Em!==e&&(this._$Eq??=new Set).add(e))}async _$EP(){this.isUpdatePending=!0;try{await this._$ES}catch(t){Promise.reject(t)}let e=this.scheduleUpdate();return e!=null&&await e,!this.isUpdatePending}scheduleUpdate(){return this.performUpdate()}performUpdate(){if(!this.isUpdatePending)return;if(!this.hasUpdated){if(this.renderRoot??=this.createRenderRoot(),this._$Ep){for(let[n,r]of this._$Ep)this[n]=r;this._$Ep=void 0}let s=this.constructor.elementProperties;if(s.size>0)for(let[n,r]of s){let{wrapped:o}=r,d=this[n];o!==!0||this._$AL.has(n)||d===void 0||this.C(n,void 0,r,d)}}let e=!1,t=this._$AL;try{e=this.shouldUpdate(t),e?(this.willUpdate(t),this._$EO?.forEach(s=>s.hostUpdate?.()),this.update(t)):this._$EM()}catch(s){throw e=!1,this._$EM(),s}e&&this._$AE(t)}willUpdate(e){}_$AE(e){this._$EO?.forEach(t=>t.hostUpdated?.()),this.hasUpdated||(this.hasUpdated=!0,this.firstUpdated(e)),this.updated(e)}_$EM(){this._$AL=new Map,this.isUpdatePending=!1}get updateComplete(){return this.getUpdateComplete()}getUpdateComplete(){return this._$ES}shouldUpdate(e){return!0}update(e){this._$Eq&&=this._$Eq.forEach(t=>this._$ET(t,this[t])),this._$EM()}updated(e){}firstUpdated(e){}};v.elementStyles=[],v.shadowRootOptions={mode:"open"},v[U("elementProperties")]=new Map,v[U("finalized")]=new Map,ut?.({ReactiveElement:v}),(B.reactiveElementVersions??=[]).push("2.1.2");var le=globalThis,Se=i=>i,V=le.trustedTypes,Ee=V?V.createPolicy("lit-html",{createHTML:i=>i}):void 0,ce="$lit$",y=`lit$${Math.random().toFixed(9).slice(2)}$`,de="?"+y,mt=`<${de}>`,S=document,L=()=>S.createComment(""),D=i=>i===null||typeof i!="object"&&typeof i!="function",he=Array.isArray,Re=i=>he(i)||typeof i?.[Symbol.iterator]=="function",ae=`[ 	
\f\r]`,O=/<(?:(!--|\/[^a-zA-Z])|(\/?[a-zA-Z][^>\s]*)|(\/?$))/g,Ce=/-->/g,ke=/>/g,x=RegExp(`>|${ae}(?:([^\\s"'>=/]+)(${ae}*=${ae}*(?:[^ 	
\f\r"'\`<>=]|("|')|))|$)`,"g"),Me=/'/g,Pe=/"/g,Ne=/^(?:script|style|textarea|title)$/i,pe=i=>(e,...t)=>({_$litType$:i,strings:e,values:t}),c=pe(1),Ot=pe(2),Lt=pe(3),b=Symbol.for("lit-noChange"),h=Symbol.for("lit-nothing"),Te=new WeakMap,A=S.createTreeWalker(S,129);function He(i,e){if(!he(i)||!i.hasOwnProperty("raw"))throw Error("invalid template strings array");return Ee!==void 0?Ee.createHTML(e):e}var Ue=(i,e)=>{let t=i.length-1,s=[],n,r=e===2?"<svg>":e===3?"<math>":"",o=O;for(let d=0;d<t;d++){let l=i[d],u,g,a=-1,m=0;for(;m<l.length&&(o.lastIndex=m,g=o.exec(l),g!==null);)m=o.lastIndex,o===O?g[1]==="!--"?o=Ce:g[1]!==void 0?o=ke:g[2]!==void 0?(Ne.test(g[2])&&(n=RegExp("</"+g[2],"g")),o=x):g[3]!==void 0&&(o=x):o===x?g[0]===">"?(o=n??O,a=-1):g[1]===void 0?a=-2:(a=o.lastIndex-g[2].length,u=g[1],o=g[3]===void 0?x:g[3]==='"'?Pe:Me):o===Pe||o===Me?o=x:o===Ce||o===ke?o=O:(o=x,n=void 0);let p=o===x&&i[d+1].startsWith("/>")?" ":"";r+=o===O?l+mt:a>=0?(s.push(u),l.slice(0,a)+ce+l.slice(a)+y+p):l+y+(a===-2?d:p)}return[He(i,r+(i[t]||"<?>")+(e===2?"</svg>":e===3?"</math>":"")),s]},I=class i{constructor({strings:e,_$litType$:t},s){let n;this.parts=[];let r=0,o=0,d=e.length-1,l=this.parts,[u,g]=Ue(e,t);if(this.el=i.createElement(u,s),A.currentNode=this.el.content,t===2||t===3){let a=this.el.content.firstChild;a.replaceWith(...a.childNodes)}for(;(n=A.nextNode())!==null&&l.length<d;){if(n.nodeType===1){if(n.hasAttributes())for(let a of n.getAttributeNames())if(a.endsWith(ce)){let m=g[o++],p=n.getAttribute(a).split(y),_=/([.?@])?(.*)/.exec(m);l.push({type:1,index:r,name:_[2],strings:p,ctor:_[1]==="."?F:_[1]==="?"?G:_[1]==="@"?Q:C}),n.removeAttribute(a)}else a.startsWith(y)&&(l.push({type:6,index:r}),n.removeAttribute(a));if(Ne.test(n.tagName)){let a=n.textContent.split(y),m=a.length-1;if(m>0){n.textContent=V?V.emptyScript:"";for(let p=0;p<m;p++)n.append(a[p],L()),A.nextNode(),l.push({type:2,index:++r});n.append(a[m],L())}}}else if(n.nodeType===8)if(n.data===de)l.push({type:2,index:r});else{let a=-1;for(;(a=n.data.indexOf(y,a+1))!==-1;)l.push({type:7,index:r}),a+=y.length-1}r++}}static createElement(e,t){let s=S.createElement("template");return s.innerHTML=e,s}};function E(i,e,t=i,s){if(e===b)return e;let n=s!==void 0?t._$Co?.[s]:t._$Cl,r=D(e)?void 0:e._$litDirective$;return n?.constructor!==r&&(n?._$AO?.(!1),r===void 0?n=void 0:(n=new r(i),n._$AT(i,t,s)),s!==void 0?(t._$Co??=[])[s]=n:t._$Cl=n),n!==void 0&&(e=E(i,n._$AS(i,e.values),n,s)),e}var K=class{constructor(e,t){this._$AV=[],this._$AN=void 0,this._$AD=e,this._$AM=t}get parentNode(){return this._$AM.parentNode}get _$AU(){return this._$AM._$AU}u(e){let{el:{content:t},parts:s}=this._$AD,n=(e?.creationScope??S).importNode(t,!0);A.currentNode=n;let r=A.nextNode(),o=0,d=0,l=s[0];for(;l!==void 0;){if(o===l.index){let u;l.type===2?u=new k(r,r.nextSibling,this,e):l.type===1?u=new l.ctor(r,l.name,l.strings,this,e):l.type===6&&(u=new W(r,this,e)),this._$AV.push(u),l=s[++d]}o!==l?.index&&(r=A.nextNode(),o++)}return A.currentNode=S,n}p(e){let t=0;for(let s of this._$AV)s!==void 0&&(s.strings!==void 0?(s._$AI(e,s,t),t+=s.strings.length-2):s._$AI(e[t])),t++}},k=class i{get _$AU(){return this._$AM?._$AU??this._$Cv}constructor(e,t,s,n){this.type=2,this._$AH=h,this._$AN=void 0,this._$AA=e,this._$AB=t,this._$AM=s,this.options=n,this._$Cv=n?.isConnected??!0}get parentNode(){let e=this._$AA.parentNode,t=this._$AM;return t!==void 0&&e?.nodeType===11&&(e=t.parentNode),e}get startNode(){return this._$AA}get endNode(){return this._$AB}_$AI(e,t=this){e=E(this,e,t),D(e)?e===h||e==null||e===""?(this._$AH!==h&&this._$AR(),this._$AH=h):e!==this._$AH&&e!==b&&this._(e):e._$litType$!==void 0?this.$(e):e.nodeType!==void 0?this.T(e):Re(e)?this.k(e):this._(e)}O(e){return this._$AA.parentNode.insertBefore(e,this._$AB)}T(e){this._$AH!==e&&(this._$AR(),this._$AH=this.O(e))}_(e){this._$AH!==h&&D(this._$AH)?this._$AA.nextSibling.data=e:this.T(S.createTextNode(e)),this._$AH=e}$(e){let{values:t,_$litType$:s}=e,n=typeof s=="number"?this._$AC(e):(s.el===void 0&&(s.el=I.createElement(He(s.h,s.h[0]),this.options)),s);if(this._$AH?._$AD===n)this._$AH.p(t);else{let r=new K(n,this),o=r.u(this.options);r.p(t),this.T(o),this._$AH=r}}_$AC(e){let t=Te.get(e.strings);return t===void 0&&Te.set(e.strings,t=new I(e)),t}k(e){he(this._$AH)||(this._$AH=[],this._$AR());let t=this._$AH,s,n=0;for(let r of e)n===t.length?t.push(s=new i(this.O(L()),this.O(L()),this,this.options)):s=t[n],s._$AI(r),n++;n<t.length&&(this._$AR(s&&s._$AB.nextSibling,n),t.length=n)}_$AR(e=this._$AA.nextSibling,t){for(this._$AP?.(!1,!0,t);e!==this._$AB;){let s=Se(e).nextSibling;Se(e).remove(),e=s}}setConnected(e){this._$AM===void 0&&(this._$Cv=e,this._$AP?.(e))}},C=class{get tagName(){return this.element.tagName}get _$AU(){return this._$AM._$AU}constructor(e,t,s,n,r){this.type=1,this._$AH=h,this._$AN=void 0,this.element=e,this.name=t,this._$AM=n,this.options=r,s.length>2||s[0]!==""||s[1]!==""?(this._$AH=Array(s.length-1).fill(new String),this.strings=s):this._$AH=h}_$AI(e,t=this,s,n){let r=this.strings,o=!1;if(r===void 0)e=E(this,e,t,0),o=!D(e)||e!==this._$AH&&e!==b,o&&(this._$AH=e);else{let d=e,l,u;for(e=r[0],l=0;l<r.length-1;l++)u=E(this,d[s+l],t,l),u===b&&(u=this._$AH[l]),o||=!D(u)||u!==this._$AH[l],u===h?e=h:e!==h&&(e+=(u??"")+r[l+1]),this._$AH[l]=u}o&&!n&&this.j(e)}j(e){e===h?this.element.removeAttribute(this.name):this.element.setAttribute(this.name,e??"")}},F=class extends C{constructor(){super(...arguments),this.type=3}j(e){this.element[this.name]=e===h?void 0:e}},G=class extends C{constructor(){super(...arguments),this.type=4}j(e){this.element.toggleAttribute(this.name,!!e&&e!==h)}},Q=class extends C{constructor(e,t,s,n,r){super(e,t,s,n,r),this.type=5}_$AI(e,t=this){if((e=E(this,e,t,0)??h)===b)return;let s=this._$AH,n=e===h&&s!==h||e.capture!==s.capture||e.once!==s.once||e.passive!==s.passive,r=e!==h&&(s===h||n);n&&this.element.removeEventListener(this.name,this,s),r&&this.element.addEventListener(this.name,this,e),this._$AH=e}handleEvent(e){typeof this._$AH=="function"?this._$AH.call(this.options?.host??this.element,e):this._$AH.handleEvent(e)}},W=class{constructor(e,t,s){this.element=e,this.type=6,this._$AN=void 0,this._$AM=t,this.options=s}get _$AU(){return this._$AM._$AU}_$AI(e){E(this,e)}},Oe={M:ce,P:y,A:de,C:1,L:Ue,R:K,D:Re,V:E,I:k,H:C,N:G,U:Q,B:F,F:W},_t=le.litHtmlPolyfillSupport;_t?.(I,k),(le.litHtmlVersions??=[]).push("3.3.3");var Le=(i,e,t)=>{let s=t?.renderBefore??e,n=s._$litPart$;if(n===void 0){let r=t?.renderBefore??null;s._$litPart$=n=new k(e.insertBefore(L(),r),r,void 0,t??{})}return n._$AI(i),n};var ue=globalThis,f=class extends v{constructor(){super(...arguments),this.renderOptions={host:this},this._$Do=void 0}createRenderRoot(){let e=super.createRenderRoot();return this.renderOptions.renderBefore??=e.firstChild,e}update(e){let t=this.render();this.hasUpdated||(this.renderOptions.isConnected=this.isConnected),super.update(e),this._$Do=Le(t,this.renderRoot,this.renderOptions)}connectedCallback(){super.connectedCallback(),this._$Do?.setConnected(!0)}disconnectedCallback(){super.disconnectedCallback(),this._$Do?.setConnected(!1)}render(){return b}};f._$litElement$=!0,f.finalized=!0,ue.litElementHydrateSupport?.({LitElement:f});var gt=ue.litElementPolyfillSupport;gt?.({LitElement:f});(ue.litElementVersions??=[]).push("4.2.2");var De={ATTRIBUTE:1,CHILD:2,PROPERTY:3,BOOLEAN_ATTRIBUTE:4,EVENT:5,ELEMENT:6},Ie=i=>(...e)=>({_$litDirective$:i,values:e}),Y=class{constructor(e){}get _$AU(){return this._$AM._$AU}_$AT(e,t,s){this._$Ct=e,this._$AM=t,this._$Ci=s}_$AS(e,t){return this.update(e,t)}update(e,t){return this.render(...t)}};var{I:ft}=Oe,ze=i=>i;var je=()=>document.createComment(""),M=(i,e,t)=>{let s=i._$AA.parentNode,n=e===void 0?i._$AB:e._$AA;if(t===void 0){let r=s.insertBefore(je(),n),o=s.insertBefore(je(),n);t=new ft(r,o,i,i.options)}else{let r=t._$AB.nextSibling,o=t._$AM,d=o!==i;if(d){let l;t._$AQ?.(i),t._$AM=i,t._$AP!==void 0&&(l=i._$AU)!==o._$AU&&t._$AP(l)}if(r!==n||d){let l=t._$AA;for(;l!==r;){let u=ze(l).nextSibling;ze(s).insertBefore(l,n),l=u}}}return t},w=(i,e,t=i)=>(i._$AI(e,t),i),$t={},qe=(i,e=$t)=>i._$AH=e,Be=i=>i._$AH,J=i=>{i._$AR(),i._$AA.remove()};var Ve=(i,e,t)=>{let s=new Map;for(let n=e;n<=t;n++)s.set(i[n],n);return s},Ke=Ie(class extends Y{constructor(i){if(super(i),i.type!==De.CHILD)throw Error("repeat() can only be used in text expressions")}dt(i,e,t){let s;t===void 0?t=e:e!==void 0&&(s=e);let n=[],r=[],o=0;for(let d of i)n[o]=s?s(d,o):o,r[o]=t(d,o),o++;return{values:r,keys:n}}render(i,e,t){return this.dt(i,e,t).values}update(i,[e,t,s]){let n=Be(i),{values:r,keys:o}=this.dt(e,t,s);if(!Array.isArray(n))return this.ut=o,r;let d=this.ut??=[],l=[],u,g,a=0,m=n.length-1,p=0,_=r.length-1;for(;a<=m&&p<=_;)if(n[a]===null)a++;else if(n[m]===null)m--;else if(d[a]===o[p])l[p]=w(n[a],r[p]),a++,p++;else if(d[m]===o[_])l[_]=w(n[m],r[_]),m--,_--;else if(d[a]===o[_])l[_]=w(n[a],r[_]),M(i,l[_+1],n[a]),a++,_--;else if(d[m]===o[p])l[p]=w(n[m],r[p]),M(i,n[a],n[m]),m--,p++;else if(u===void 0&&(u=Ve(o,p,_),g=Ve(d,a,m)),u.has(d[a]))if(u.has(d[m])){let $=g.get(o[p]),se=$!==void 0?n[$]:null;if(se===null){let $e=M(i,n[a]);w($e,r[p]),l[p]=$e}else l[p]=w(se,r[p]),M(i,n[a],se),n[$]=null;p++}else J(n[m]),m--;else J(n[a]),a++;for(;p<=_;){let $=M(i,l[_+1]);w($,r[p]),l[p++]=$}for(;a<=m;){let $=n[a++];$!==null&&J($)}return this.ut=o,qe(i,l),b}});var vt={permission:null,question:null,abort:!1,messages:!1};function Fe(i,e,t){if(!e||!t||!i.available||!i.device_id)return vt;let s=i.pending_permissions[0]??null,n=i.question??null;return{permission:s,question:n,abort:i.state==="working",messages:!0}}function Ge(i){let e=i.pending_permissions[0];if(e&&e.session_id!==i.id)return i.current_agent??"sub-agent";let t=i.question;return t&&t.session_id!==i.id?i.current_agent??"sub-agent":i.current_agent&&i.current_agent!==i.agent?i.current_agent:null}function yt(i){let e=Math.max(0,Math.floor(i/1e3));if(e<60)return`${e} s`;let t=Math.floor(e/60);if(t<60)return`${t} min`;let s=Math.floor(t/60);return s<24?`${s} h ${String(t%60).padStart(2,"0")} min`:`${Math.floor(s/24)} d ${s%24} h`}function Qe(i,e){let t=i?Date.parse(i):NaN;return Number.isNaN(t)?"":yt(e-t)}function me(i,e="en"){return i?new Intl.NumberFormat(e,{style:"currency",currency:"USD",minimumFractionDigits:i<1?3:2,maximumFractionDigits:i<1?3:2}).format(i):""}function P(i){return i<1e3?String(i):i<1e6?`${(i/1e3).toFixed(i<1e4?1:0)}k`:`${(i/1e6).toFixed(1)}M`}function We(i,e){return i===null||!e?null:Math.min(100,Math.round(i/e*100))}function T(i){return i?.locale?.language??i?.language}function Ye(i,e){return!i||!e?i!==e:T(i)!==T(e)||i.connection!==e.connection}function Je(i,e){switch(e.type){case"snapshot":return e.machines;case"machine":return i.some(s=>s.entry_id===e.machine.entry_id)?i.map(s=>s.entry_id===e.machine.entry_id?{...e.machine,sessions:s.sessions}:s):[...i,{...e.machine,sessions:[]}];case"machine_removed":return i.filter(t=>t.entry_id!==e.entry_id);case"session":return i.map(t=>{if(t.entry_id!==e.entry_id)return t;let s=t.sessions.filter(n=>n.id!==e.session.id);return{...t,sessions:[...s,e.session]}});case"session_removed":return i.map(t=>t.entry_id===e.entry_id?{...t,sessions:t.sessions.filter(s=>s.id!==e.session_id)}:t);default:return i}}var _e={title:"OpenCode sessions",no_sessions:"No sessions",no_machines:"No OpenCode Lookout agent is set up",offline:"Agent offline",connecting:"Connecting\u2026",more_idle:"{count} more idle",waiting_count:"{count} waiting",state_idle:"Idle",state_working:"Working",state_waiting_permission:"Needs permission",state_waiting_input:"Has a question",state_error:"Error",session_offline:"Offline",approve:"Approve",always:"Always",reject:"Reject",abort:"Abort",send:"Send",reason:"Reason (optional, sent to the model)",answer:"Your answer",always_allows:"Always allows",asked_by:"Asked by {agent}",sub_agent:"sub-agent {agent}",read_only:"Read only: an administrator can allow you to steer in the integration's options.",expand:"Show details of {title}",collapse:"Hide details of {title}",messages:"Last messages",no_messages:"No messages",loading:"Loading\u2026",tokens:"Tokens",tokens_detail:"{input} in, {output} out, {cache} cache",context:"Context",files:"Files changed",files_detail:"{files} (+{added} \u2212{removed})",cost:"Cost",untitled:"Untitled session",error_action:"Failed: {message}",editor_title:"Title",editor_machines:"Machines (all when empty)",editor_idle_count:"Idle sessions shown per machine"},bt={title:"OpenCode-Sitzungen",no_sessions:"Keine Sitzungen",no_machines:"Kein OpenCode-Lookout-Agent eingerichtet",offline:"Agent offline",connecting:"Verbinde\u2026",more_idle:"{count} weitere inaktiv",waiting_count:"{count} warten",state_idle:"Inaktiv",state_working:"Arbeitet",state_waiting_permission:"Braucht Erlaubnis",state_waiting_input:"Hat eine Frage",state_error:"Fehler",session_offline:"Offline",approve:"Erlauben",always:"Immer",reject:"Ablehnen",abort:"Abbrechen",send:"Senden",reason:"Begr\xFCndung (optional, geht an das Modell)",answer:"Deine Antwort",always_allows:"Immer erlaubt",asked_by:"Gefragt von {agent}",sub_agent:"Sub-Agent {agent}",read_only:"Nur lesen: ein Administrator kann dir das Steuern in den Optionen der Integration erlauben.",expand:"Details von {title} zeigen",collapse:"Details von {title} verbergen",messages:"Letzte Nachrichten",no_messages:"Keine Nachrichten",loading:"Lade\u2026",tokens:"Tokens",context:"Kontext",files:"Ge\xE4nderte Dateien",cost:"Kosten",untitled:"Sitzung ohne Titel",error_action:"Fehlgeschlagen: {message}",editor_title:"Titel",editor_machines:"Rechner (leer: alle)",editor_idle_count:"Gezeigte inaktive Sitzungen je Rechner"},Ze={en:_e,de:bt};function Z(i,e,t={}){let s=(i??"en").toLowerCase();return((Ze[s]??Ze[s.split("-")[0]]??_e)[e]??_e[e]).replace(/\{(\w+)\}/g,(o,d)=>d in t?String(t[d]):`{${d}}`)}var Xe=ne`
  :host {
    --ocl-idle: var(--success-color, #43a047);
    --ocl-working: var(--info-color, #039be5);
    --ocl-waiting: var(--warning-color, #ffa600);
    --ocl-error: var(--error-color, #db4437);
    --ocl-offline: var(--disabled-text-color, #8a8a8a);
    --ocl-border: var(--divider-color, rgba(127, 127, 127, 0.25));
    display: block;
  }
  ha-card {
    overflow: hidden;
  }
  .header {
    display: flex;
    align-items: center;
    gap: 8px;
    padding: 12px 16px 4px;
  }
  .header h2 {
    flex: 1;
    margin: 0;
    font-size: var(--ha-card-header-font-size, 1.25rem);
    font-weight: 400;
    color: var(--ha-card-header-color, var(--primary-text-color));
  }
  .badge {
    border-radius: 999px;
    padding: 2px 10px;
    font-size: 0.8rem;
    font-weight: 500;
    color: var(--text-primary-color, #fff);
    background: var(--ocl-waiting);
  }
  .empty {
    padding: 16px;
    color: var(--secondary-text-color);
  }
  section.machine {
    padding: 4px 0 8px;
  }
  .machine-name {
    display: flex;
    align-items: center;
    gap: 8px;
    margin: 0;
    padding: 8px 16px 4px;
    font-size: 0.85rem;
    font-weight: 500;
    letter-spacing: 0.04em;
    text-transform: uppercase;
    color: var(--secondary-text-color);
  }
  ul {
    list-style: none;
    margin: 0;
    padding: 0;
  }
  li.row {
    border-top: 1px solid var(--ocl-border);
  }
  li.row.waiting {
    background: color-mix(in srgb, var(--ocl-waiting) 8%, transparent);
  }
  button.summary {
    all: unset;
    box-sizing: border-box;
    display: grid;
    grid-template-columns: auto 1fr auto;
    gap: 2px 10px;
    align-items: center;
    width: 100%;
    padding: 10px 16px;
    cursor: pointer;
    color: var(--primary-text-color);
  }
  button.summary:focus-visible {
    outline: 2px solid var(--primary-color);
    outline-offset: -2px;
  }
  .chip {
    display: inline-flex;
    align-items: center;
    gap: 4px;
    grid-row: span 2;
    border-radius: 999px;
    padding: 2px 8px 2px 4px;
    font-size: 0.75rem;
    font-weight: 500;
    white-space: nowrap;
    color: var(--chip-color);
    background: color-mix(in srgb, var(--chip-color) 16%, transparent);
    --mdc-icon-size: 16px;
  }
  .chip.idle { --chip-color: var(--ocl-idle); }
  .chip.working { --chip-color: var(--ocl-working); }
  .chip.waiting_permission,
  .chip.waiting_input { --chip-color: var(--ocl-waiting); }
  .chip.error { --chip-color: var(--ocl-error); }
  .chip.offline { --chip-color: var(--ocl-offline); }
  .title {
    min-width: 0;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
    font-weight: 500;
  }
  .since {
    font-size: 0.8rem;
    color: var(--secondary-text-color);
    white-space: nowrap;
    text-align: right;
  }
  .meta {
    grid-column: 2 / 4;
    display: flex;
    flex-wrap: wrap;
    gap: 2px 10px;
    min-width: 0;
    font-size: 0.8rem;
    color: var(--secondary-text-color);
  }
  .meta span {
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
    max-width: 100%;
  }
  .tool {
    font-family: var(--code-font-family, monospace);
  }
  .subagent {
    border-radius: 4px;
    padding: 0 6px;
    color: var(--primary-color);
    border: 1px solid color-mix(in srgb, var(--primary-color) 50%, transparent);
  }
  .request,
  .details {
    padding: 0 16px 12px;
  }
  .request h4 {
    margin: 4px 0;
    font-size: 0.9rem;
    font-weight: 500;
  }
  pre {
    margin: 4px 0 8px;
    padding: 8px 10px;
    border-radius: 6px;
    white-space: pre-wrap;
    word-break: break-word;
    font-family: var(--code-font-family, monospace);
    font-size: 0.85rem;
    background: var(--code-background-color, var(--secondary-background-color, rgba(127, 127, 127, 0.12)));
    color: var(--primary-text-color);
  }
  .small {
    font-size: 0.8rem;
    color: var(--secondary-text-color);
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 8px;
    align-items: center;
    margin-top: 8px;
  }
  .actions input {
    flex: 1 1 180px;
    min-width: 0;
  }
  input[type="text"] {
    box-sizing: border-box;
    padding: 8px 10px;
    border-radius: 6px;
    border: 1px solid var(--ocl-border);
    font: inherit;
    font-size: 0.9rem;
    color: var(--primary-text-color);
    background: var(--card-background-color, transparent);
  }
  input[type="text"]:focus-visible {
    outline: 2px solid var(--primary-color);
  }
  button.action {
    min-height: 36px;
    padding: 0 14px;
    border-radius: 18px;
    border: 1px solid var(--btn-color, var(--primary-color));
    font: inherit;
    font-size: 0.9rem;
    font-weight: 500;
    cursor: pointer;
    color: var(--btn-color, var(--primary-color));
    background: transparent;
  }
  button.action.primary {
    color: var(--text-primary-color, #fff);
    background: var(--btn-color, var(--primary-color));
  }
  button.action.danger {
    --btn-color: var(--ocl-error);
  }
  button.action:focus-visible {
    outline: 2px solid var(--primary-text-color);
    outline-offset: 2px;
  }
  button.action[disabled] {
    opacity: 0.5;
    cursor: default;
  }
  ul.options {
    list-style: disc;
    margin: 4px 0;
    padding-left: 20px;
    font-size: 0.9rem;
  }
  .error-text {
    color: var(--ocl-error);
    font-size: 0.85rem;
    margin-top: 6px;
  }
  .readonly {
    margin: 0 16px 8px;
    font-size: 0.8rem;
    color: var(--secondary-text-color);
  }
  dl {
    display: grid;
    grid-template-columns: max-content 1fr;
    gap: 2px 12px;
    margin: 4px 0 8px;
    font-size: 0.85rem;
  }
  dt {
    color: var(--secondary-text-color);
  }
  dd {
    margin: 0;
  }
  .message {
    border-left: 3px solid var(--ocl-border);
    padding: 0 0 0 10px;
    margin: 6px 0;
  }
  .message.assistant {
    border-left-color: var(--primary-color);
  }
  .message .who {
    font-size: 0.75rem;
    color: var(--secondary-text-color);
  }
  .more {
    padding: 6px 16px 0;
    font-size: 0.8rem;
    color: var(--secondary-text-color);
  }
  @media (max-width: 450px) {
    button.summary,
    .request,
    .details {
      padding-left: 12px;
      padding-right: 12px;
    }
  }
`;var wt={waiting_permission:0,waiting_input:0,working:1,error:2,idle:2};function te(i){return i.state==="waiting_permission"||i.state==="waiting_input"}function ee(i){return wt[i.state]??2}function X(i){let e=i?Date.parse(i):NaN;return Number.isNaN(e)?0:e}function xt(i,e){let t=ee(i)-ee(e);return t!==0?t:te(i)?X(i.state_since)-X(e.state_since)||i.id.localeCompare(e.id):X(e.last_activity)-X(i.last_activity)||i.id.localeCompare(e.id)}function et(i,e){let t=e.machines?.length?new Set(e.machines):null,s=Math.max(0,e.idle_count??5);return i.filter(n=>t===null||n.device_id!==null&&t.has(n.device_id)).sort((n,r)=>n.name.localeCompare(r.name)).map(n=>{let r=[...n.sessions].sort(xt),o=r.filter(l=>ee(l)<2),d=r.filter(l=>ee(l)>=2);return{machine:n,sessions:[...o,...d.slice(0,s)],hidden:Math.max(0,d.length-s)}})}function tt(i){return i.reduce((e,t)=>e+t.sessions.filter(te).length,0)}var it="opencode_lookout",At=`${it}/subscribe`,St=10,Et={idle:"mdi:sleep",working:"mdi:cog-play",waiting_permission:"mdi:shield-alert",waiting_input:"mdi:chat-question",error:"mdi:alert-circle"},R=class extends f{constructor(){super();this._drafts=new Map;this._config={type:"custom:opencode-lookout-card"},this._machines=null,this._now=Date.now(),this._expanded=new Set,this._busy=new Set,this._errors=new Map,this._messages=new Map}static getConfigElement(){return document.createElement("opencode-lookout-card-editor")}static getStubConfig(){return{idle_count:5}}setConfig(t){if(!t||typeof t!="object")throw new Error("Invalid configuration");if(t.idle_count!==void 0&&(typeof t.idle_count!="number"||t.idle_count<0))throw new Error("idle_count must be a number \u2265 0");if(t.machines!==void 0&&!Array.isArray(t.machines))throw new Error("machines must be a list of device ids");this._config=t}getCardSize(){let t=this._machines?.reduce((s,n)=>s+n.sessions.length,0)??1;return 1+Math.min(t,10)}getGridOptions(){return{columns:12,min_columns:6,min_rows:2}}connectedCallback(){super.connectedCallback(),this._timer=setInterval(()=>this._now=Date.now(),1e3),this._subscribe()}disconnectedCallback(){super.disconnectedCallback(),clearInterval(this._timer),this._unsubscribeNow()}shouldUpdate(t){return t.has("hass")?(this._subscribe(),t.size>1||Ye(t.get("hass"),this.hass)):!0}_t(t,s){return Z(T(this.hass),t,s)}_subscribe(){let t=this.hass?.connection;!t||!this.isConnected||this._subscribedTo===t||(this._unsubscribeNow(),this._subscribedTo=t,this._unsubscribe=t.subscribeMessage(s=>{this._machines=Je(this._machines??[],s)},{type:At}),this._unsubscribe.catch(s=>{this._subscribedTo=void 0,this._machines=[],this._errors=new Map(this._errors).set("card",ge(s))}))}_unsubscribeNow(){let t=this._unsubscribe;this._unsubscribe=void 0,this._subscribedTo=void 0,t?.then(s=>s()).catch(()=>{})}async _call(t,s,n){if(!this.hass)return;this._busy=new Set(this._busy).add(t);let r=new Map(this._errors);r.delete(t),this._errors=r;try{return await this.hass.callService(it,s,n,void 0,!1,s==="get_messages")}catch(o){throw this._errors=new Map(this._errors).set(t,ge(o)),o}finally{let o=new Set(this._busy);o.delete(t),this._busy=o}}_replyPermission(t,s,n){let r={device_id:t.device_id,permission_id:s.id,reply:n},o=this._drafts.get(s.id)?.trim();n==="reject"&&o&&(r.message=o),this._call(t.id,"reply_permission",r).then(()=>this._drafts.delete(s.id),()=>{})}_replyQuestion(t,s,n){let r={device_id:t.device_id};n===null?r.reject=!0:r.answer=n,this._call(t.id,"reply_question",r).then(()=>this._drafts.delete(s.id),()=>{})}_abort(t){this._call(t.id,"abort_session",{device_id:t.device_id}).catch(()=>{})}async _loadMessages(t){this._messages=new Map(this._messages).set(t.id,"loading"),await Ct();let s;try{s=(await this._call(`${t.id}:messages`,"get_messages",{device_id:t.device_id,limit:St}))?.response?.messages??[]}catch(n){s={error:ge(n)}}this._messages=new Map(this._messages).set(t.id,s)}_toggle(t,s){let n=new Set(this._expanded);n.has(t.id)?n.delete(t.id):(n.add(t.id),s&&this._loadMessages(t)),this._expanded=n}render(){let t=this._machines===null?null:et(this._machines,this._config),s=t?tt(t):0;return c`
      <ha-card>
        <div class="header">
          <h2>${this._config.title??this._t("title")}</h2>
          <span aria-live="polite">
            ${s?c`<span class="badge">${this._t("waiting_count",{count:s})}</span>`:h}
          </span>
        </div>
        ${this._errors.has("card")?c`<div class="empty error-text" role="alert">${this._errors.get("card")}</div>`:h}
        ${t===null?c`<div class="empty">${this._t("connecting")}</div>`:t.length===0?c`<div class="empty">${this._t("no_machines")}</div>`:t.map(n=>this._renderMachine(n))}
      </ha-card>
    `}_renderMachine(t){let{machine:s}=t,n=`machine-${s.entry_id}`;return c`
      <section class="machine" aria-labelledby=${n}>
        <h3 class="machine-name" id=${n}>
          <span>${s.name}</span>
          ${s.available?h:c`<span class="chip offline"><ha-icon icon="mdi:lan-disconnect"></ha-icon>${this._t("offline")}</span>`}
        </h3>
        ${s.can_steer||t.sessions.length===0?h:c`<p class="readonly">${this._t("read_only")}</p>`}
        ${t.sessions.length===0?c`<div class="empty">${this._t("no_sessions")}</div>`:c`<ul>
              ${Ke(t.sessions,r=>r.id,r=>this._renderRow(s,r))}
            </ul>`}
        ${t.hidden?c`<div class="more">${this._t("more_idle",{count:t.hidden})}</div>`:h}
      </section>
    `}_renderRow(t,s){let n=Fe(s,t.can_steer,t.available),r=t.available&&s.available,o=r?s.state:"offline",d=s.title||this._t("untitled"),l=this._expanded.has(s.id),u=Ge(s),g=me(s.cost_total,T(this.hass)),a=`details-${s.id}`,m=r?this._t(`state_${s.state}`):this._t("session_offline");return c`
      <li class="row ${te(s)?"waiting":""}" data-session=${s.id} data-state=${s.state}>
        <button
          class="summary"
          aria-expanded=${l?"true":"false"}
          aria-controls=${a}
          aria-label=${this._t(l?"collapse":"expand",{title:d})}
          @click=${()=>this._toggle(s,n.messages)}
        >
          <span class="chip ${o}">
            <ha-icon icon=${r?Et[s.state]??"mdi:help-circle":"mdi:lan-disconnect"}></ha-icon>
            ${m}
          </span>
          <span class="title">${d}</span>
          <span class="since">${Qe(s.state_since,this._now)}</span>
          <span class="meta">
            ${s.project?c`<span>${s.project}</span>`:h}
            ${s.model?c`<span>${s.model}</span>`:h}
            ${s.current_tool&&!s.pending_permissions.length?c`<span class="tool">${s.current_tool}</span>`:h}
            ${g?c`<span>${g}</span>`:h}
            ${u?c`<span class="subagent">${this._t("sub_agent",{agent:u})}</span>`:h}
          </span>
        </button>
        ${this._renderRequest(s,n.permission,n.question,u,t.can_steer&&r)}
        ${n.abort?c`<div class="request">
              <div class="actions">
                <button class="action danger" ?disabled=${this._busy.has(s.id)} @click=${()=>this._abort(s)}>
                  ${this._t("abort")}
                </button>
              </div>
            </div>`:h}
        ${this._errors.has(s.id)?c`<div class="request"><div class="error-text" role="alert">${this._t("error_action",{message:this._errors.get(s.id)??""})}</div></div>`:h}
        <div class="details" id=${a} ?hidden=${!l}>
          ${l?this._renderDetails(s,n.messages):h}
        </div>
      </li>
    `}_renderRequest(t,s,n,r,o){let d=s??t.pending_permissions[0]??null,l=n??t.question,u=this._busy.has(t.id),g=a=>a!==t.id&&r?c`<div class="small">${this._t("asked_by",{agent:r})}</div>`:h;if(d){let a=d,m=`reason-${a.id}`;return c`
        <div class="request">
          <h4>${a.title||a.permission}</h4>
          ${g(a.session_id)}
          <pre aria-label=${a.permission}>${a.patterns.length?a.patterns.join(`
`):a.title}</pre>
          ${a.always.length?c`<div class="small">${this._t("always_allows")}: <code>${a.always.join(", ")}</code></div>`:h}
          ${o&&s?c`<div class="actions">
                <button class="action primary" ?disabled=${u} @click=${()=>this._replyPermission(t,a,"once")}>
                  ${this._t("approve")}
                </button>
                <button class="action" ?disabled=${u} @click=${()=>this._replyPermission(t,a,"always")}>
                  ${this._t("always")}
                </button>
                <input
                  type="text"
                  id=${m}
                  aria-label=${this._t("reason")}
                  placeholder=${this._t("reason")}
                  .value=${this._drafts.get(a.id)??""}
                  @input=${p=>this._drafts.set(a.id,p.target.value)}
                  @keydown=${p=>p.key==="Enter"&&this._replyPermission(t,a,"reject")}
                />
                <button class="action danger" ?disabled=${u} @click=${()=>this._replyPermission(t,a,"reject")}>
                  ${this._t("reject")}
                </button>
              </div>`:h}
        </div>
      `}if(l){let a=l,m=o&&n!==null;return c`
        <div class="request">
          ${g(a.session_id)}
          ${a.questions.map(p=>c`
              <h4>${p.header?c`${p.header}: `:h}${p.question}</h4>
              ${m?c`<div class="actions" role="group" aria-label=${p.question}>
                    ${p.options.map(_=>c`
                        <button
                          class="action"
                          title=${_.description}
                          ?disabled=${u}
                          @click=${()=>this._replyQuestion(t,a,_.label)}
                        >
                          ${_.label}
                        </button>
                      `)}
                  </div>`:c`<ul class="options">
                    ${p.options.map(_=>c`<li>${_.label}${_.description?c` <span class="small">${_.description}</span>`:h}</li>`)}
                  </ul>`}
            `)}
          ${m?c`<div class="actions">
                <input
                  type="text"
                  aria-label=${this._t("answer")}
                  placeholder=${this._t("answer")}
                  .value=${this._drafts.get(a.id)??""}
                  @input=${p=>this._drafts.set(a.id,p.target.value)}
                  @keydown=${p=>p.key==="Enter"&&this._sendTyped(t,a)}
                />
                <button class="action primary" ?disabled=${u} @click=${()=>this._sendTyped(t,a)}>
                  ${this._t("send")}
                </button>
                <button class="action danger" ?disabled=${u} @click=${()=>this._replyQuestion(t,a,null)}>
                  ${this._t("reject")}
                </button>
              </div>`:h}
        </div>
      `}return h}_sendTyped(t,s){let n=this._drafts.get(s.id)?.trim();n&&this._replyQuestion(t,s,n)}_renderDetails(t,s){let n=We(t.context_used,t.context_limit),r=this._messages.get(t.id);return c`
      <dl>
        <dt>${this._t("tokens")}</dt>
        <dd>
          ${this._t("tokens_detail",{input:P(t.tokens_input),output:P(t.tokens_output),cache:P(t.tokens_cache_read+t.tokens_cache_write)})}
        </dd>
        ${n!==null?c`<dt>${this._t("context")}</dt>
              <dd>${n} % (${P(t.context_used??0)} / ${P(t.context_limit??0)})</dd>`:h}
        <dt>${this._t("files")}</dt>
        <dd>
          ${this._t("files_detail",{files:t.files_changed,added:t.lines_added,removed:t.lines_removed})}
        </dd>
        ${t.cost_total?c`<dt>${this._t("cost")}</dt><dd>${me(t.cost_total,T(this.hass))}</dd>`:h}
      </dl>
      ${t.error?c`<div class="error-text">${t.error.name}: ${t.error.message}</div>`:h}
      ${s?this._renderMessages(r):h}
    `}_renderMessages(t){let s=Array.isArray(t)?t.filter(r=>r.text.trim()):t,n;return s===void 0||s==="loading"?n=c`<div class="small">${this._t("loading")}</div>`:Array.isArray(s)?s.length===0?n=c`<div class="small">${this._t("no_messages")}</div>`:n=s.map(r=>c`
          <div class="message ${r.role}">
            <div class="who">${r.role}${r.agent?c` · ${r.agent}`:h}</div>
            ${kt(r.text)}
          </div>
        `):n=c`<div class="error-text">${s.error}</div>`,c`<h4>${this._t("messages")}</h4>
      ${n}`}};R.styles=Xe,R.properties={hass:{attribute:!1},_config:{state:!0},_machines:{state:!0},_now:{state:!0},_expanded:{state:!0},_busy:{state:!0},_errors:{state:!0},_messages:{state:!0}};var st;function Ct(){if(customElements.get("ha-markdown"))return Promise.resolve();let i=window.loadCardHelpers;return st??=i?i().then(e=>e.createCardElement({type:"markdown",content:""})).then(()=>customElements.whenDefined("ha-markdown")).catch(()=>{}):Promise.resolve(),st}function kt(i){return customElements.get("ha-markdown")?c`<ha-markdown breaks .content=${i}></ha-markdown>`:c`<div style="white-space: pre-wrap">${i}</div>`}function ge(i){return i&&typeof i=="object"&&"message"in i?String(i.message):String(i)}var Mt={title:"editor_title",machines:"editor_machines",idle_count:"editor_idle_count"},Pt=[{name:"title",selector:{text:{}}},{name:"machines",selector:{device:{multiple:!0,filter:[{integration:"opencode_lookout",model:"OpenCode Lookout agent"}]}}},{name:"idle_count",selector:{number:{min:0,max:50,mode:"box"}}}],z=class extends f{setConfig(e){this._config=e}render(){if(!this.hass||!this._config)return c``;let e=this.hass.locale?.language??this.hass.language;return c`
      <ha-form
        .hass=${this.hass}
        .data=${this._config}
        .schema=${Pt}
        .computeLabel=${t=>Z(e,Mt[t.name]??"title")}
        @value-changed=${this._changed}
      ></ha-form>
    `}_changed(e){e.stopPropagation();let t={...e.detail.value};for(let s of["title","machines"]){let n=t[s];(n===void 0||n===""||Array.isArray(n)&&n.length===0)&&delete t[s]}this._config=t,this.dispatchEvent(new CustomEvent("config-changed",{detail:{config:t},bubbles:!0,composed:!0}))}};z.properties={hass:{attribute:!1},_config:{state:!0}};var N="opencode-lookout-card";function nt(){customElements.get(N)||customElements.define(N,R),customElements.get(`${N}-editor`)||customElements.define(`${N}-editor`,z)}var Tt=3e4,rt=window;if(rt.CustomElementRegistryPolyfill||!document.querySelector("home-assistant"))nt();else{let i=Date.now(),e=setInterval(()=>{(rt.CustomElementRegistryPolyfill||Date.now()-i>Tt)&&(clearInterval(e),nt())},20)}var fe=window;fe.customCards??=[];fe.customCards.some(i=>i.type===N)||fe.customCards.push({type:N,name:"OpenCode Lookout",description:"Every OpenCode session at a glance: answer permissions and questions in one tap.",preview:!0,documentationURL:"https://github.com/opencode-lookout/opencode-lookout/blob/main/docs/card.md"});
/*! Bundled license information:

@lit/reactive-element/css-tag.js:
  (**
   * @license
   * Copyright 2019 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)

@lit/reactive-element/reactive-element.js:
lit-html/lit-html.js:
lit-element/lit-element.js:
lit-html/directive.js:
lit-html/directives/repeat.js:
  (**
   * @license
   * Copyright 2017 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)

lit-html/is-server.js:
  (**
   * @license
   * Copyright 2022 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)

lit-html/directive-helpers.js:
  (**
   * @license
   * Copyright 2020 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)
*/
