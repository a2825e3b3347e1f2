/* opencode-lookout-card 0.1.0: built from card/ by scripts/build-card; do not edit */
var K=globalThis,Q=K.ShadowRoot&&(K.ShadyCSS===void 0||K.ShadyCSS.nativeShadow)&&"adoptedStyleSheets"in Document.prototype&&"replace"in CSSStyleSheet.prototype,ce=Symbol(),Pe=new WeakMap,L=class{constructor(t,e,i){if(this._$cssResult$=!0,i!==ce)throw Error("CSSResult is not constructable. Use `unsafeCSS` or `css` instead.");this.cssText=t,this.t=e}get styleSheet(){let t=this.o,e=this.t;if(Q&&t===void 0){let i=e!==void 0&&e.length===1;i&&(t=Pe.get(e)),t===void 0&&((this.o=t=new CSSStyleSheet).replaceSync(this.cssText),i&&Pe.set(e,t))}return t}toString(){return this.cssText}},Re=n=>new L(typeof n=="string"?n:n+"",void 0,ce),de=(n,...t)=>{let e=n.length===1?n[0]:t.reduce((i,s,r)=>i+(o=>{if(o._$cssResult$===!0)return o.cssText;if(typeof o=="number")return o;throw Error("Value passed to 'css' function must be a 'css' function result: "+o+". Use 'unsafeCSS' to pass non-literal values, but take care to ensure page security.")})(s)+n[r+1],n[0]);return new L(e,n,ce)},He=(n,t)=>{if(Q)n.adoptedStyleSheets=t.map(e=>e instanceof CSSStyleSheet?e:e.styleSheet);else for(let e of t){let i=document.createElement("style"),s=K.litNonce;s!==void 0&&i.setAttribute("nonce",s),i.textContent=e.cssText,n.appendChild(i)}},he=Q?n=>n:n=>n instanceof CSSStyleSheet?(t=>{let e="";for(let i of t.cssRules)e+=i.cssText;return Re(e)})(n):n;var{is:Ct,defineProperty:Mt,getOwnPropertyDescriptor:Tt,getOwnPropertyNames:Pt,getOwnPropertySymbols:Rt,getPrototypeOf:Ht}=Object,F=globalThis,Ne=F.trustedTypes,Nt=Ne?Ne.emptyScript:"",It=F.reactiveElementPolyfillSupport,U=(n,t)=>n,ue={toAttribute(n,t){switch(t){case Boolean:n=n?Nt:null;break;case Object:case Array:n=n==null?n:JSON.stringify(n)}return n},fromAttribute(n,t){let e=n;switch(t){case Boolean:e=n!==null;break;case Number:e=n===null?null:Number(n);break;case Object:case Array:try{e=JSON.parse(n)}catch{e=null}}return e}},Oe=(n,t)=>!Ct(n,t),Ie={attribute:!0,type:String,converter:ue,reflect:!1,useDefault:!1,hasChanged:Oe};Symbol.metadata??=Symbol("metadata"),F.litPropertyMetadata??=new WeakMap;var b=class extends HTMLElement{static addInitializer(t){this._$Ei(),(this.l??=[]).push(t)}static get observedAttributes(){return this.finalize(),this._$Eh&&[...this._$Eh.keys()]}static createProperty(t,e=Ie){if(e.state&&(e.attribute=!1),this._$Ei(),this.prototype.hasOwnProperty(t)&&((e=Object.create(e)).wrapped=!0),this.elementProperties.set(t,e),!e.noAccessor){let i=Symbol(),s=this.getPropertyDescriptor(t,i,e);s!==void 0&&Mt(this.prototype,t,s)}}static getPropertyDescriptor(t,e,i){let{get:s,set:r}=Tt(this.prototype,t)??{get(){return this[e]},set(o){this[e]=o}};return{get:s,set(o){let d=s?.call(this);r?.call(this,o),this.requestUpdate(t,d,i)},configurable:!0,enumerable:!0}}static getPropertyOptions(t){return this.elementProperties.get(t)??Ie}static _$Ei(){if(this.hasOwnProperty(U("elementProperties")))return;let t=Ht(this);t.finalize(),t.l!==void 0&&(this.l=[...t.l]),this.elementProperties=new Map(t.elementProperties)}static finalize(){if(this.hasOwnProperty(U("finalized")))return;if(this.finalized=!0,this._$Ei(),this.hasOwnProperty(U("properties"))){let e=this.properties,i=[...Pt(e),...Rt(e)];for(let s of i)this.createProperty(s,e[s])}let t=this[Symbol.metadata];if(t!==null){let e=litPropertyMetadata.get(t);if(e!==void 0)for(let[i,s]of e)this.elementProperties.set(i,s)}this._$Eh=new Map;for(let[e,i]of this.elementProperties){let s=this._$Eu(e,i);s!==void 0&&this._$Eh.set(s,e)}this.elementStyles=this.finalizeStyles(this.styles)}static finalizeStyles(t){let e=[];if(Array.isArray(t)){let i=new Set(t.flat(1/0).reverse());for(let s of i)e.unshift(he(s))}else t!==void 0&&e.push(he(t));return e}static _$Eu(t,e){let i=e.attribute;return i===!1?void 0:typeof i=="string"?i:typeof t=="string"?t.toLowerCase():void 0}constructor(){super(),this._$Ep=void 0,this.isUpdatePending=!1,this.hasUpdated=!1,this._$Em=null,this._$Ev()}_$Ev(){this._$ES=new Promise(t=>this.enableUpdating=t),this._$AL=new Map,this._$E_(),this.requestUpdate(),this.constructor.l?.forEach(t=>t(this))}addController(t){(this._$EO??=new Set).add(t),this.renderRoot!==void 0&&this.isConnected&&t.hostConnected?.()}removeController(t){this._$EO?.delete(t)}_$E_(){let t=new Map,e=this.constructor.elementProperties;for(let i of e.keys())this.hasOwnProperty(i)&&(t.set(i,this[i]),delete this[i]);t.size>0&&(this._$Ep=t)}createRenderRoot(){let t=this.shadowRoot??this.attachShadow(this.constructor.shadowRootOptions);return He(t,this.constructor.elementStyles),t}connectedCallback(){this.renderRoot??=this.createRenderRoot(),this.enableUpdating(!0),this._$EO?.forEach(t=>t.hostConnected?.())}enableUpdating(t){}disconnectedCallback(){this._$EO?.forEach(t=>t.hostDisconnected?.())}attributeChangedCallback(t,e,i){this._$AK(t,i)}_$ET(t,e){let i=this.constructor.elementProperties.get(t),s=this.constructor._$Eu(t,i);if(s!==void 0&&i.reflect===!0){let r=(i.converter?.toAttribute!==void 0?i.converter:ue).toAttribute(e,i.type);this._$Em=t,r==null?this.removeAttribute(s):this.setAttribute(s,r),this._$Em=null}}_$AK(t,e){let i=this.constructor,s=i._$Eh.get(t);if(s!==void 0&&this._$Em!==s){let r=i.getPropertyOptions(s),o=typeof r.converter=="function"?{fromAttribute:r.converter}:r.converter?.fromAttribute!==void 0?r.converter:ue;this._$Em=s;let d=o.fromAttribute(e,r.type);this[s]=d??this._$Ej?.get(s)??d,this._$Em=null}}requestUpdate(t,e,i,s=!1,r){if(t!==void 0){let o=this.constructor;if(s===!1&&(r=this[t]),i??=o.getPropertyOptions(t),!((i.hasChanged??Oe)(r,e)||i.useDefault&&i.reflect&&r===this._$Ej?.get(t)&&!this.hasAttribute(o._$Eu(t,i))))return;this.C(t,e,i)}this.isUpdatePending===!1&&(this._$ES=this._$EP())}C(t,e,{useDefault:i,reflect:s,wrapped:r},o){i&&!(this._$Ej??=new Map).has(t)&&(this._$Ej.set(t,o??e??this[t]),r!==!0||o!==void 0)||(this._$AL.has(t)||(this.hasUpdated||i||(e=void 0),this._$AL.set(t,e)),s===!0&&this._$Em!==t&&(this._$Eq??=new Set).add(t))}async _$EP(){this.isUpdatePending=!0;try{await this._$ES}catch(e){Promise.reject(e)}let t=this.scheduleUpdate();return t!=null&&await t,!this.isUpdatePending}scheduleUpdate(){return this.performUpdate()}performUpdate(){if(!this.isUpdatePending)return;if(!this.hasUpdated){if(this.renderRoot??=this.createRenderRoot(),this._$Ep){for(let[s,r]of this._$Ep)this[s]=r;this._$Ep=void 0}let i=this.constructor.elementProperties;if(i.size>0)for(let[s,r]of i){let{wrapped:o}=r,d=this[s];o!==!0||this._$AL.has(s)||d===void 0||this.C(s,void 0,r,d)}}let t=!1,e=this._$AL;try{t=this.shouldUpdate(e),t?(this.willUpdate(e),this._$EO?.forEach(i=>i.hostUpdate?.()),this.update(e)):this._$EM()}catch(i){throw t=!1,this._$EM(),i}t&&this._$AE(e)}willUpdate(t){}_$AE(t){this._$EO?.forEach(e=>e.hostUpdated?.()),this.hasUpdated||(this.hasUpdated=!0,this.firstUpdated(t)),this.updated(t)}_$EM(){this._$AL=new Map,this.isUpdatePending=!1}get updateComplete(){return this.getUpdateComplete()}getUpdateComplete(){return this._$ES}shouldUpdate(t){return!0}update(t){this._$Eq&&=this._$Eq.forEach(e=>this._$ET(e,this[e])),this._$EM()}updated(t){}firstUpdated(t){}};b.elementStyles=[],b.shadowRootOptions={mode:"open"},b[U("elementProperties")]=new Map,b[U("finalized")]=new Map,It?.({ReactiveElement:b}),(F.reactiveElementVersions??=[]).push("2.1.2");var me=globalThis,Le=n=>n,G=me.trustedTypes,Ue=G?G.createPolicy("lit-html",{createHTML:n=>n}):void 0,ge="$lit$",v=`lit$${Math.random().toFixed(9).slice(2)}$`,fe="?"+v,Ot=`<${fe}>`,E=document,q=()=>E.createComment(""),z=n=>n===null||typeof n!="object"&&typeof n!="function",_e=Array.isArray,We=n=>_e(n)||typeof n?.[Symbol.iterator]=="function",pe=`[ 	
\f\r]`,D=/<(?:(!--|\/[^a-zA-Z])|(\/?[a-zA-Z][^>\s]*)|(\/?$))/g,De=/-->/g,qe=/>/g,S=RegExp(`>|${pe}(?:([^\\s"'>=/]+)(${pe}*=${pe}*(?:[^ 	
\f\r"'\`<>=]|("|')|))|$)`,"g"),ze=/'/g,Be=/"/g,Ve=/^(?:script|style|textarea|title)$/i,$e=n=>(t,...e)=>({_$litType$:n,strings:t,values:e}),h=$e(1),gn=$e(2),fn=$e(3),y=Symbol.for("lit-noChange"),g=Symbol.for("lit-nothing"),je=new WeakMap,k=E.createTreeWalker(E,129);function Ke(n,t){if(!_e(n)||!n.hasOwnProperty("raw"))throw Error("invalid template strings array");return Ue!==void 0?Ue.createHTML(t):t}var Qe=(n,t)=>{let e=n.length-1,i=[],s,r=t===2?"<svg>":t===3?"<math>":"",o=D;for(let d=0;d<e;d++){let a=n[d],u,p,l=-1,f=0;for(;f<a.length&&(o.lastIndex=f,p=o.exec(a),p!==null);)f=o.lastIndex,o===D?p[1]==="!--"?o=De:p[1]!==void 0?o=qe:p[2]!==void 0?(Ve.test(p[2])&&(s=RegExp("</"+p[2],"g")),o=S):p[3]!==void 0&&(o=S):o===S?p[0]===">"?(o=s??D,l=-1):p[1]===void 0?l=-2:(l=o.lastIndex-p[2].length,u=p[1],o=p[3]===void 0?S:p[3]==='"'?Be:ze):o===Be||o===ze?o=S:o===De||o===qe?o=D:(o=S,s=void 0);let c=o===S&&n[d+1].startsWith("/>")?" ":"";r+=o===D?a+Ot:l>=0?(i.push(u),a.slice(0,l)+ge+a.slice(l)+v+c):a+v+(l===-2?d:c)}return[Ke(n,r+(n[e]||"<?>")+(t===2?"</svg>":t===3?"</math>":"")),i]},B=class n{constructor({strings:t,_$litType$:e},i){let s;this.parts=[];let r=0,o=0,d=t.length-1,a=this.parts,[u,p]=Qe(t,e);if(this.el=n.createElement(u,i),k.currentNode=this.el.content,e===2||e===3){let l=this.el.content.firstChild;l.replaceWith(...l.childNodes)}for(;(s=k.nextNode())!==null&&a.length<d;){if(s.nodeType===1){if(s.hasAttributes())for(let l of s.getAttributeNames())if(l.endsWith(ge)){let f=p[o++],c=s.getAttribute(l).split(v),m=/([.?@])?(.*)/.exec(f);a.push({type:1,index:r,name:m[2],strings:c,ctor:m[1]==="."?J:m[1]==="?"?X:m[1]==="@"?Z:M}),s.removeAttribute(l)}else l.startsWith(v)&&(a.push({type:6,index:r}),s.removeAttribute(l));if(Ve.test(s.tagName)){let l=s.textContent.split(v),f=l.length-1;if(f>0){s.textContent=G?G.emptyScript:"";for(let c=0;c<f;c++)s.append(l[c],q()),k.nextNode(),a.push({type:2,index:++r});s.append(l[f],q())}}}else if(s.nodeType===8)if(s.data===fe)a.push({type:2,index:r});else{let l=-1;for(;(l=s.data.indexOf(v,l+1))!==-1;)a.push({type:7,index:r}),l+=v.length-1}r++}}static createElement(t,e){let i=E.createElement("template");return i.innerHTML=t,i}};function C(n,t,e=n,i){if(t===y)return t;let s=i!==void 0?e._$Co?.[i]:e._$Cl,r=z(t)?void 0:t._$litDirective$;return s?.constructor!==r&&(s?._$AO?.(!1),r===void 0?s=void 0:(s=new r(n),s._$AT(n,e,i)),i!==void 0?(e._$Co??=[])[i]=s:e._$Cl=s),s!==void 0&&(t=C(n,s._$AS(n,t.values),s,i)),t}var Y=class{constructor(t,e){this._$AV=[],this._$AN=void 0,this._$AD=t,this._$AM=e}get parentNode(){return this._$AM.parentNode}get _$AU(){return this._$AM._$AU}u(t){let{el:{content:e},parts:i}=this._$AD,s=(t?.creationScope??E).importNode(e,!0);k.currentNode=s;let r=k.nextNode(),o=0,d=0,a=i[0];for(;a!==void 0;){if(o===a.index){let u;a.type===2?u=new P(r,r.nextSibling,this,t):a.type===1?u=new a.ctor(r,a.name,a.strings,this,t):a.type===6&&(u=new ee(r,this,t)),this._$AV.push(u),a=i[++d]}o!==a?.index&&(r=k.nextNode(),o++)}return k.currentNode=E,s}p(t){let e=0;for(let i of this._$AV)i!==void 0&&(i.strings!==void 0?(i._$AI(t,i,e),e+=i.strings.length-2):i._$AI(t[e])),e++}},P=class n{get _$AU(){return this._$AM?._$AU??this._$Cv}constructor(t,e,i,s){this.type=2,this._$AH=g,this._$AN=void 0,this._$AA=t,this._$AB=e,this._$AM=i,this.options=s,this._$Cv=s?.isConnected??!0}get parentNode(){let t=this._$AA.parentNode,e=this._$AM;return e!==void 0&&t?.nodeType===11&&(t=e.parentNode),t}get startNode(){return this._$AA}get endNode(){return this._$AB}_$AI(t,e=this){t=C(this,t,e),z(t)?t===g||t==null||t===""?(this._$AH!==g&&this._$AR(),this._$AH=g):t!==this._$AH&&t!==y&&this._(t):t._$litType$!==void 0?this.$(t):t.nodeType!==void 0?this.T(t):We(t)?this.k(t):this._(t)}O(t){return this._$AA.parentNode.insertBefore(t,this._$AB)}T(t){this._$AH!==t&&(this._$AR(),this._$AH=this.O(t))}_(t){this._$AH!==g&&z(this._$AH)?this._$AA.nextSibling.data=t:this.T(E.createTextNode(t)),this._$AH=t}$(t){let{values:e,_$litType$:i}=t,s=typeof i=="number"?this._$AC(t):(i.el===void 0&&(i.el=B.createElement(Ke(i.h,i.h[0]),this.options)),i);if(this._$AH?._$AD===s)this._$AH.p(e);else{let r=new Y(s,this),o=r.u(this.options);r.p(e),this.T(o),this._$AH=r}}_$AC(t){let e=je.get(t.strings);return e===void 0&&je.set(t.strings,e=new B(t)),e}k(t){_e(this._$AH)||(this._$AH=[],this._$AR());let e=this._$AH,i,s=0;for(let r of t)s===e.length?e.push(i=new n(this.O(q()),this.O(q()),this,this.options)):i=e[s],i._$AI(r),s++;s<e.length&&(this._$AR(i&&i._$AB.nextSibling,s),e.length=s)}_$AR(t=this._$AA.nextSibling,e){for(this._$AP?.(!1,!0,e);t!==this._$AB;){let i=Le(t).nextSibling;Le(t).remove(),t=i}}setConnected(t){this._$AM===void 0&&(this._$Cv=t,this._$AP?.(t))}},M=class{get tagName(){return this.element.tagName}get _$AU(){return this._$AM._$AU}constructor(t,e,i,s,r){this.type=1,this._$AH=g,this._$AN=void 0,this.element=t,this.name=e,this._$AM=s,this.options=r,i.length>2||i[0]!==""||i[1]!==""?(this._$AH=Array(i.length-1).fill(new String),this.strings=i):this._$AH=g}_$AI(t,e=this,i,s){let r=this.strings,o=!1;if(r===void 0)t=C(this,t,e,0),o=!z(t)||t!==this._$AH&&t!==y,o&&(this._$AH=t);else{let d=t,a,u;for(t=r[0],a=0;a<r.length-1;a++)u=C(this,d[i+a],e,a),u===y&&(u=this._$AH[a]),o||=!z(u)||u!==this._$AH[a],u===g?t=g:t!==g&&(t+=(u??"")+r[a+1]),this._$AH[a]=u}o&&!s&&this.j(t)}j(t){t===g?this.element.removeAttribute(this.name):this.element.setAttribute(this.name,t??"")}},J=class extends M{constructor(){super(...arguments),this.type=3}j(t){this.element[this.name]=t===g?void 0:t}},X=class extends M{constructor(){super(...arguments),this.type=4}j(t){this.element.toggleAttribute(this.name,!!t&&t!==g)}},Z=class extends M{constructor(t,e,i,s,r){super(t,e,i,s,r),this.type=5}_$AI(t,e=this){if((t=C(this,t,e,0)??g)===y)return;let i=this._$AH,s=t===g&&i!==g||t.capture!==i.capture||t.once!==i.once||t.passive!==i.passive,r=t!==g&&(i===g||s);s&&this.element.removeEventListener(this.name,this,i),r&&this.element.addEventListener(this.name,this,t),this._$AH=t}handleEvent(t){typeof this._$AH=="function"?this._$AH.call(this.options?.host??this.element,t):this._$AH.handleEvent(t)}},ee=class{constructor(t,e,i){this.element=t,this.type=6,this._$AN=void 0,this._$AM=e,this.options=i}get _$AU(){return this._$AM._$AU}_$AI(t){C(this,t)}},Fe={M:ge,P:v,A:fe,C:1,L:Qe,R:Y,D:We,V:C,I:P,H:M,N:X,U:Z,B:J,F:ee},Lt=me.litHtmlPolyfillSupport;Lt?.(B,P),(me.litHtmlVersions??=[]).push("3.3.3");var Ge=(n,t,e)=>{let i=e?.renderBefore??t,s=i._$litPart$;if(s===void 0){let r=e?.renderBefore??null;i._$litPart$=s=new P(t.insertBefore(q(),r),r,void 0,e??{})}return s._$AI(n),s};var be=globalThis,$=class extends b{constructor(){super(...arguments),this.renderOptions={host:this},this._$Do=void 0}createRenderRoot(){let t=super.createRenderRoot();return this.renderOptions.renderBefore??=t.firstChild,t}update(t){let e=this.render();this.hasUpdated||(this.renderOptions.isConnected=this.isConnected),super.update(t),this._$Do=Ge(e,this.renderRoot,this.renderOptions)}connectedCallback(){super.connectedCallback(),this._$Do?.setConnected(!0)}disconnectedCallback(){super.disconnectedCallback(),this._$Do?.setConnected(!1)}render(){return y}};$._$litElement$=!0,$.finalized=!0,be.litElementHydrateSupport?.({LitElement:$});var Ut=be.litElementPolyfillSupport;Ut?.({LitElement:$});(be.litElementVersions??=[]).push("4.2.2");var Ye={ATTRIBUTE:1,CHILD:2,PROPERTY:3,BOOLEAN_ATTRIBUTE:4,EVENT:5,ELEMENT:6},Je=n=>(...t)=>({_$litDirective$:n,values:t}),te=class{constructor(t){}get _$AU(){return this._$AM._$AU}_$AT(t,e,i){this._$Ct=t,this._$AM=e,this._$Ci=i}_$AS(t,e){return this.update(t,e)}update(t,e){return this.render(...e)}};var{I:Dt}=Fe,Xe=n=>n;var Ze=()=>document.createComment(""),R=(n,t,e)=>{let i=n._$AA.parentNode,s=t===void 0?n._$AB:t._$AA;if(e===void 0){let r=i.insertBefore(Ze(),s),o=i.insertBefore(Ze(),s);e=new Dt(r,o,n,n.options)}else{let r=e._$AB.nextSibling,o=e._$AM,d=o!==n;if(d){let a;e._$AQ?.(n),e._$AM=n,e._$AP!==void 0&&(a=n._$AU)!==o._$AU&&e._$AP(a)}if(r!==s||d){let a=e._$AA;for(;a!==r;){let u=Xe(a).nextSibling;Xe(i).insertBefore(a,s),a=u}}}return e},x=(n,t,e=n)=>(n._$AI(t,e),n),qt={},et=(n,t=qt)=>n._$AH=t,tt=n=>n._$AH,ne=n=>{n._$AR(),n._$AA.remove()};var nt=(n,t,e)=>{let i=new Map;for(let s=t;s<=e;s++)i.set(n[s],s);return i},it=Je(class extends te{constructor(n){if(super(n),n.type!==Ye.CHILD)throw Error("repeat() can only be used in text expressions")}dt(n,t,e){let i;e===void 0?e=t:t!==void 0&&(i=t);let s=[],r=[],o=0;for(let d of n)s[o]=i?i(d,o):o,r[o]=e(d,o),o++;return{values:r,keys:s}}render(n,t,e){return this.dt(n,t,e).values}update(n,[t,e,i]){let s=tt(n),{values:r,keys:o}=this.dt(t,e,i);if(!Array.isArray(s))return this.ut=o,r;let d=this.ut??=[],a=[],u,p,l=0,f=s.length-1,c=0,m=r.length-1;for(;l<=f&&c<=m;)if(s[l]===null)l++;else if(s[f]===null)f--;else if(d[l]===o[c])a[c]=x(s[l],r[c]),l++,c++;else if(d[f]===o[m])a[m]=x(s[f],r[m]),f--,m--;else if(d[l]===o[m])a[m]=x(s[l],r[m]),R(n,a[m+1],s[l]),l++,m--;else if(d[f]===o[c])a[c]=x(s[f],r[c]),R(n,s[l],s[f]),f--,c++;else if(u===void 0&&(u=nt(o,c,m),p=nt(d,l,f)),u.has(d[l]))if(u.has(d[f])){let _=p.get(o[c]),w=_!==void 0?s[_]:null;if(w===null){let T=R(n,s[l]);x(T,r[c]),a[c]=T}else a[c]=x(w,r[c]),R(n,s[l],w),s[_]=null;c++}else ne(s[f]),f--;else ne(s[l]),l++;for(;c<=m;){let _=R(n,a[m+1]);x(_,r[c]),a[c++]=_}for(;l<=f;){let _=s[l++];_!==null&&ne(_)}return this.ut=o,et(n,a),y}});var zt={permission:null,question:null,abort:!1,messages:!1};function st(n,t,e){if(!t||!e||!n.available||!n.device_id)return zt;let i=n.pending_permissions[0]??null,s=n.question??null;return{permission:i,question:s,abort:n.state==="working",messages:!0}}function rt(n){let t=n.pending_permissions[0];if(t&&t.session_id!==n.id)return n.current_agent??"sub-agent";let e=n.question;return e&&e.session_id!==n.id?n.current_agent??"sub-agent":n.current_agent&&n.current_agent!==n.agent?n.current_agent:null}function ve(n){let t=`${n.permission}: `,e=n.title.startsWith(t)?n.title.slice(t.length):null;if(!n.patterns.length)return{heading:n.permission,body:e??n.title};let i=e!==null&&!e.endsWith("\u2026")?Bt(e,n.patterns):null;return i!==null?{heading:n.permission,body:i}:{heading:e!==null?n.permission:n.title||n.permission,body:n.patterns.join(`
`)}}function Bt(n,t){let e=0,i="";for(let[s,r]of t.entries()){let o=r.split(/\s+/).filter(Boolean).join(" "),d=o?n.indexOf(o,e):-1;if(d<0)return null;let a=n.slice(e,d);i+=s>0&&a.trim()===""?`
`:a,i+=r,e=d+o.length}return i+n.slice(e)}var ot={replyPermission:"opencode_lookout/reply_permission",replyQuestion:"opencode_lookout/reply_question",sendPrompt:"opencode_lookout/send_prompt"};function at(n,t,e,i,s){let r={type:ot.replyPermission,device_id:t.device_id,permission_id:e.id,reply:i},o=s?.trim();return i==="reject"&&o&&(r.message=o),n.callWS(r)}function lt(n,t,e){let i={type:ot.replyQuestion,device_id:t.device_id};return e===null?i.reject=!0:i.answer=e,n.callWS(i)}function jt(n){let t=Math.max(0,Math.floor(n/1e3));if(t<60)return`${t} s`;let e=Math.floor(t/60);if(e<60)return`${e} min`;let i=Math.floor(e/60);return i<24?`${i} h ${String(e%60).padStart(2,"0")} min`:`${Math.floor(i/24)} d ${i%24} h`}function ct(n,t){let e=n?Date.parse(n):NaN;return Number.isNaN(e)?"":jt(t-e)}function ye(n,t="en"){return n?new Intl.NumberFormat(t,{style:"currency",currency:"USD",minimumFractionDigits:n<1?3:2,maximumFractionDigits:n<1?3:2}).format(n):""}function H(n){return n<1e3?String(n):n<1e6?`${(n/1e3).toFixed(n<1e4?1:0)}k`:`${(n/1e6).toFixed(1)}M`}function dt(n,t){return n===null||!t?null:Math.min(100,Math.round(n/t*100))}function N(n){return n?.locale?.language??n?.language}function ht(n,t){return!n||!t?n!==t:N(n)!==N(t)||n.connection!==t.connection}var Wt=new Set(["http:","https:","mailto:"]),se=8;function we(n){let t;try{t=new URL(n.trim())}catch{return null}return!Wt.has(t.protocol)||t.protocol!=="mailto:"&&!t.hostname?null:t.href}var ut=/^ {0,3}(`{3,}|~{3,})(.*)$/,pt=/^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/,mt=/^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/,Se=/^ {0,3}> ?(.*)$/,Vt=/^( {0,3})([-*+])([ \t]+)(.*)$/,Kt=/^( {0,3})(\d{1,9})([.)])([ \t]+)(.*)$/,Qt=/^ {0,3}\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;function j(n){return n.trim()===""}function ie(n){let t=Vt.exec(n);if(t)return{ordered:!1,start:1,indent:t[1].length+1+Math.min(t[3].length,4),rest:t[4]};let e=Kt.exec(n);return e?{ordered:!0,start:Number(e[2]),indent:e[1].length+e[2].length+1+Math.min(e[4].length,4),rest:e[5]}:null}function xe(n){let t=n.trim();t.startsWith("|")&&(t=t.slice(1)),t.endsWith("|")&&!t.endsWith("\\|")&&(t=t.slice(0,-1));let e=[],i="";for(let s=0;s<t.length;s++)t[s]==="\\"&&t[s+1]==="|"?(i+="|",s++):t[s]==="|"?(e.push(i.trim()),i=""):i+=t[s];return e.push(i.trim()),e}function Ae(n){return ut.test(n)||pt.test(n)||mt.test(n)||Se.test(n)||ie(n)!==null}function ke(n,t){let e=[],i=0;for(;i<n.length;){let s=n[i];if(j(s)){i++;continue}let r=ut.exec(s);if(r&&!(r[1][0]==="`"&&r[2].includes("`"))){let u=new RegExp(`^ {0,3}${r[1][0]==="`"?"`":"~"}{${r[1].length},}[ \\t]*$`),p=[];for(i++;i<n.length&&!u.test(n[i]);)p.push(n[i++]);i++,e.push({t:"pre",v:p.join(`
`)});continue}let o=pt.exec(s);if(o){e.push({t:"h",level:o[1].length,c:A(o[2]??"")}),i++;continue}if(mt.test(s)){e.push({t:"hr"}),i++;continue}if(Se.test(s)){let u=[];for(;i<n.length&&!j(n[i]);){let p=Se.exec(n[i]);if(!p&&Ae(n[i]))break;u.push(p?p[1]:n[i]),i++}e.push(t<se?{t:"quote",c:ke(u,t+1)}:{t:"p",c:A(u.join(`
`))});continue}let d=ie(s);if(d){let u=[],{ordered:p,start:l}=d,f=d.indent,c=[d.rest];for(i++;i<n.length;){let m=n[i],_=ie(m);if(_&&_.ordered===p){u.push(c),c=[_.rest],f=_.indent,i++;continue}if(j(m)){let T=n[i+1];if(T!==void 0&&(T.startsWith(" ".repeat(f))||ie(T)?.ordered===p)){c.push(""),i++;continue}break}if(m.match(/^ */)[0].length>=f)c.push(m.slice(f));else{if(Ae(m))break;c.push(m)}i++}u.push(c),e.push({t:"list",ordered:p,start:l,items:u.map(m=>t<se?ke(m,t+1):[{t:"p",c:A(m.join(`
`))}])});continue}if(s.includes("|")&&i+1<n.length&&Qt.test(n[i+1])&&n[i+1].includes("-")){let u=xe(s);if(u.length===xe(n[i+1]).length){let p=[];for(i+=2;i<n.length&&!j(n[i])&&n[i].includes("|");){let l=xe(n[i++]);p.push(u.map((f,c)=>A(l[c]??"")))}e.push({t:"table",head:u.map(l=>A(l)),rows:p});continue}}let a=[];for(;i<n.length&&!j(n[i])&&(a.length===0||!Ae(n[i]));)a.push(n[i++]);e.push({t:"p",c:A(a.map(u=>u.trim()).join(`
`))})}return e}function gt(n){return ke(n.replace(/\r\n?/g,`
`).split(`
`),0)}var Ft=/[\\`*_{}[\]()#+\-.!|~<>"']/;function Gt(n,t){let e=0;for(let i=t;i<n.length;i++){let s=n[i];if(s==="\\")i++;else if(s==="[")e++;else if(s==="]"&&--e===0)return i}return-1}function Yt(n,t){if(n[t]!=="(")return null;let e=t+1;for(;n[e]===" ";)e++;let i="";if(n[e]==="<"){let s=n.indexOf(">",e);if(s<0)return null;i=n.slice(e+1,s),e=s+1}else{let s=0;for(;e<n.length;e++){let r=n[e];if(r==="\\"&&e+1<n.length){i+=n[++e];continue}if(r==="(")s++;else if(r===")"){if(s===0)break;s--}else if(r===" "||r===`
`)break;i+=r}}for(;n[e]===" "||n[e]===`
`;)e++;if(n[e]==='"'||n[e]==="'"){let s=n.indexOf(n[e],e+1);if(s<0)return null;for(e=s+1;n[e]===" ";)e++}return n[e]!==")"?null:{url:i,end:e+1}}var Jt=/^(?:https?:\/\/|mailto:)[^\s<>"']*[^\s<>"'.,;:!?)\]}*_~]/i;function Ee(n){return n!==void 0&&/[\p{L}\p{N}]/u.test(n)}function Xt(n,t,e){let i=t;for(;;){let s=n.indexOf(e,i);if(s<0)return-1;if(n[s-1]==="\\"){i=s+1;continue}let r=n[s-1],o=n[s+e.length],d=s>t&&r!==void 0&&!/\s/.test(r),a=e[0]!=="_"||!Ee(o);if(d&&a&&o!==e[0])return s;i=s+1}}function A(n,t=0){let e=[],i="",s=()=>{i&&e.push({t:"text",v:i}),i=""},r=0;for(;r<n.length;){let o=n[r];if(o==="\\"&&r+1<n.length&&Ft.test(n[r+1])){i+=n[r+1],r+=2;continue}if(o==="\\"&&n[r+1]===`
`){s(),e.push({t:"br"}),r+=2;continue}if(o===`
`){for(i=i.replace(/ +$/,""),s(),e.push({t:"br"}),r++;n[r]===" ";)r++;continue}if(o==="`"){let a=/^`+/.exec(n.slice(r))[0],u=n.indexOf(a,r+a.length);if(u>=0&&n[u+a.length]!=="`"){s();let p=n.slice(r+a.length,u).replace(/\n/g," ");p.length>2&&p.startsWith(" ")&&p.endsWith(" ")&&(p=p.slice(1,-1)),e.push({t:"code",v:p}),r=u+a.length;continue}i+=a,r+=a.length;continue}let d=o==="!"&&n[r+1]==="[";if(o==="["||d){let a=d?r+1:r,u=Gt(n,a),p=u>=0?Yt(n,u+1):null;if(p){s();let l=n.slice(a+1,u),f=we(p.url),c=t<se?A(l,t+1):[{t:"text",v:l}];if(d){let m=l.trim()?c:[{t:"text",v:p.url}];f?e.push({t:"link",href:f,c:m,image:!0}):e.push(...m)}else f?e.push({t:"link",href:f,c}):e.push(...c);r=p.end;continue}}if(o==="<"){let a=/^<((?:https?:\/\/|mailto:)[^\s<>]+)>/i.exec(n.slice(r)),u=a&&we(a[1]);if(a&&u){s(),e.push({t:"link",href:u,c:[{t:"text",v:a[1]}]}),r+=a[0].length;continue}}if((o==="h"||o==="H"||o==="m"||o==="M")&&!Ee(n[r-1])){let a=Jt.exec(n.slice(r)),u=a&&we(a[0]);if(a&&u){s(),e.push({t:"link",href:u,c:[{t:"text",v:a[0]}]}),r+=a[0].length;continue}}if(o==="*"||o==="_"||o==="~"){let a=n.slice(r).match(o==="~"?/^~+/:o==="*"?/^\*+/:/^_+/)[0],u=!(o==="_"&&Ee(n[r-1])),p=n[r+a.length];if(u&&p!==void 0&&!/\s/.test(p)&&t<se){let l=o==="~"?[["~~","del"]]:a.length>=2?[[o+o,"strong"],[o,"em"]]:[[o,"em"]],f=!1;for(let[c,m]of l){if(a.length<c.length)continue;let _=r+c.length,w=Xt(n,_,c);if(w>_){s(),e.push({t:m,c:A(n.slice(_,w),t+1)}),r=w+c.length,f=!0;break}}if(f)continue}i+=a,r+=a.length;continue}i+=o,r++}return s(),e}function W(n,t){return n.map(e=>{switch(e.t){case"text":return e.v;case"code":return h`<code>${e.v}</code>`;case"strong":return h`<strong>${W(e.c,t)}</strong>`;case"em":return h`<em>${W(e.c,t)}</em>`;case"del":return h`<del>${W(e.c,t)}</del>`;case"br":return h`<br />`;case"link":return h`<a
          href=${e.href}
          title=${e.href}
          target="_blank"
          rel="noopener noreferrer"
          referrerpolicy="no-referrer"
          class=${e.image?"image-link":g}
          >${e.image?`${t.image}: `:g}${W(e.c,t)}</a
        >`}})}function ft(n,t){let e=s=>s.map(r=>ft(r,t)),i=s=>W(s,t);switch(n.t){case"p":return h`<p>${i(n.c)}</p>`;case"h":return h`<p class="heading h${n.level}"><strong>${i(n.c)}</strong></p>`;case"pre":return h`<pre>${n.v}</pre>`;case"quote":return h`<blockquote>${e(n.c)}</blockquote>`;case"list":{let s=n.items.map(r=>h`<li>${e(r)}</li>`);return n.ordered?h`<ol start=${n.start===1?g:String(n.start)}>${s}</ol>`:h`<ul>${s}</ul>`}case"table":return h`<div class="table">
        <table>
          <thead>
            <tr>${n.head.map(s=>h`<th>${i(s)}</th>`)}</tr>
          </thead>
          <tbody>
            ${n.rows.map(s=>h`<tr>${s.map(r=>h`<td>${i(r)}</td>`)}</tr>`)}
          </tbody>
        </table>
      </div>`;case"hr":return h`<hr />`}}function _t(n,t={image:"Image"}){return h`<div class="markdown">${gt(n).map(e=>ft(e,t))}</div>`}function $t(n,t){switch(t.type){case"snapshot":return t.machines;case"machine":return n.some(i=>i.entry_id===t.machine.entry_id)?n.map(i=>i.entry_id===t.machine.entry_id?{...t.machine,sessions:i.sessions}:i):[...n,{...t.machine,sessions:[]}];case"machine_removed":return n.filter(e=>e.entry_id!==t.entry_id);case"session":return n.map(e=>{if(e.entry_id!==t.entry_id)return e;let i=e.sessions.filter(s=>s.id!==t.session.id);return{...e,sessions:[...i,t.session]}});case"session_removed":return n.map(e=>e.entry_id===t.entry_id?{...e,sessions:e.sessions.filter(i=>i.id!==t.session_id)}:e);default:return n}}var Ce={title:"OpenCode sessions",no_sessions:"No sessions",no_machines:"No OpenCode Lookout agent is set up",offline:"Agent offline",connecting:"Connecting\u2026",more_idle:"{count} more idle",waiting_count:"{count} waiting",state_idle:"Idle",state_working:"Working",state_waiting_permission:"Needs permission",state_waiting_input:"Has a question",state_error:"Error",session_offline:"Offline",approve:"Approve",always:"Always",reject:"Reject",abort:"Abort",send:"Send",reason:"Reason (optional, sent to the model)",reason_placeholder:"Reason (optional)",answer:"Your answer",answered_once:"Approved",answered_always:"Approved, and allowed from now on",answered_reject:"Rejected",answered_question:"Answered: {answer}",answered_dismissed:"Question dismissed",abort_sent:"Abort sent",always_allows:"Always allows",asked_by:"Asked by {agent}",sub_agent:"sub-agent {agent}",read_only:"Read only: an administrator can allow you to steer in the integration's options.",expand:"Show details of {title}",collapse:"Hide details of {title}",messages:"Last messages",image:"Image",no_messages:"No messages",loading:"Loading\u2026",tokens:"Tokens",tokens_detail:"{input} in, {output} out, {cache} cache",context:"Context",files:"Files changed",files_detail:"{files} (+{added} \u2212{removed})",cost:"Cost",untitled:"Untitled session",error_action:"Failed: {message}",editor_title:"Title",editor_machines:"Machines (all when empty)",editor_idle_count:"Idle sessions shown per machine"},Zt={title:"OpenCode-Sitzungen",no_sessions:"Keine Sitzungen",no_machines:"Kein OpenCode-Lookout-Agent eingerichtet",offline:"Agent offline",connecting:"Verbinde\u2026",more_idle:"{count} weitere inaktiv",waiting_count:"{count} warten",state_idle:"Inaktiv",state_working:"Arbeitet",state_waiting_permission:"Braucht Erlaubnis",state_waiting_input:"Hat eine Frage",state_error:"Fehler",session_offline:"Offline",approve:"Erlauben",always:"Immer",reject:"Ablehnen",abort:"Abbrechen",send:"Senden",reason:"Begr\xFCndung (optional, geht an das Modell)",reason_placeholder:"Begr\xFCndung (optional)",answer:"Deine Antwort",answered_once:"Erlaubt",answered_always:"Erlaubt, und von nun an immer",answered_reject:"Abgelehnt",answered_question:"Beantwortet: {answer}",answered_dismissed:"Frage verworfen",abort_sent:"Abbruch gesendet",always_allows:"Immer erlaubt",asked_by:"Gefragt von {agent}",sub_agent:"Sub-Agent {agent}",read_only:"Nur lesen: ein Administrator kann dir das Steuern in den Optionen der Integration erlauben.",expand:"Details von {title} zeigen",collapse:"Details von {title} verbergen",messages:"Letzte Nachrichten",image:"Bild",no_messages:"Keine Nachrichten",loading:"Lade\u2026",tokens:"Tokens",context:"Kontext",files:"Ge\xE4nderte Dateien",cost:"Kosten",untitled:"Sitzung ohne Titel",error_action:"Fehlgeschlagen: {message}",editor_title:"Titel",editor_machines:"Rechner (leer: alle)",editor_idle_count:"Gezeigte inaktive Sitzungen je Rechner"},bt={en:Ce,de:Zt};function re(n,t,e={}){let i=(n??"en").toLowerCase();return((bt[i]??bt[i.split("-")[0]]??Ce)[t]??Ce[t]).replace(/\{(\w+)\}/g,(o,d)=>d in e?String(e[d]):`{${d}}`)}var vt=de`
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
    box-sizing: border-box;
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
    overflow-wrap: anywhere;
    font-family: var(--code-font-family, monospace);
    font-size: 0.85rem;
    background: var(--code-background-color, var(--secondary-background-color, rgba(127, 127, 127, 0.12)));
    color: var(--primary-text-color);
  }
  /* A command breaks between its words only: each word is one box, wrapped inside
     (at a hyphen, else anywhere) only when it is wider than the whole line. */
  pre.command .word {
    display: inline-block;
    max-width: 100%;
    vertical-align: top;
  }
  .answered-note {
    display: flex;
    align-items: center;
    gap: 6px;
    min-height: 36px;
    margin-top: 8px;
    font-size: 0.9rem;
    font-weight: 500;
    color: var(--secondary-text-color);
    --mdc-icon-size: 20px;
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
  /* On a phone the reason goes on its own line, beside Reject, wide enough for its
     placeholder; on a wide card it fills the row between Always and Reject. */
  .actions input {
    flex: 1 1 200px;
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
  .markdown {
    font-size: 0.9rem;
    line-height: 1.45;
    overflow-wrap: anywhere;
  }
  .markdown > :first-child {
    margin-top: 2px;
  }
  .markdown > :last-child {
    margin-bottom: 2px;
  }
  .markdown p,
  .markdown ul,
  .markdown ol,
  .markdown blockquote,
  .markdown pre,
  .markdown .table {
    margin: 6px 0;
  }
  .markdown ul,
  .markdown ol {
    padding-left: 22px;
  }
  .markdown li > p {
    margin: 2px 0;
  }
  .markdown code {
    font-family: var(--code-font-family, monospace);
    font-size: 0.85em;
    padding: 1px 4px;
    border-radius: 4px;
    background: var(--code-background-color, var(--secondary-background-color, rgba(127, 127, 127, 0.12)));
  }
  .markdown pre code {
    padding: 0;
    background: none;
  }
  .markdown blockquote {
    padding-left: 10px;
    border-left: 3px solid var(--ocl-border);
    color: var(--secondary-text-color);
  }
  .markdown a {
    color: var(--primary-color);
  }
  .markdown .heading {
    margin: 10px 0 4px;
  }
  .markdown .heading.h1 {
    font-size: 1.15em;
  }
  .markdown .heading.h2 {
    font-size: 1.05em;
  }
  .markdown hr {
    border: none;
    border-top: 1px solid var(--ocl-border);
  }
  .markdown .table {
    overflow-x: auto;
  }
  .markdown table {
    border-collapse: collapse;
    font-size: 0.95em;
  }
  .markdown th,
  .markdown td {
    border: 1px solid var(--ocl-border);
    padding: 2px 6px;
    text-align: left;
    overflow-wrap: normal;
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
`;var en={waiting_permission:0,waiting_input:0,working:1,error:2,idle:2};function le(n){return n.state==="waiting_permission"||n.state==="waiting_input"}function ae(n){return en[n.state]??2}function oe(n){let t=n?Date.parse(n):NaN;return Number.isNaN(t)?0:t}function tn(n,t){let e=ae(n)-ae(t);return e!==0?e:le(n)?oe(n.state_since)-oe(t.state_since)||n.id.localeCompare(t.id):oe(t.last_activity)-oe(n.last_activity)||n.id.localeCompare(t.id)}function yt(n,t){let e=t.machines?.length?new Set(t.machines):null,i=Math.max(0,t.idle_count??5);return n.filter(s=>e===null||s.device_id!==null&&e.has(s.device_id)).sort((s,r)=>s.name.localeCompare(r.name)).map(s=>{let r=[...s.sessions].sort(tn),o=r.filter(a=>ae(a)<2),d=r.filter(a=>ae(a)>=2);return{machine:s,sessions:[...o,...d.slice(0,i)],hidden:Math.max(0,d.length-i)}})}function wt(n){return n.reduce((t,e)=>t+e.sessions.filter(le).length,0)}function xt(n,t){if(!t)return n;let e=new Map(t.map((s,r)=>[s,r]));return[...n.filter(s=>e.has(s.id)).sort((s,r)=>e.get(s.id)-e.get(r.id)),...n.filter(s=>!e.has(s.id))]}var St="opencode_lookout",nn=`${St}/subscribe`,sn=10,rn=3e3,on={idle:"mdi:sleep",working:"mdi:cog-play",waiting_permission:"mdi:shield-alert",waiting_input:"mdi:chat-question",error:"mdi:alert-circle"},I=class extends ${constructor(){super();this._drafts=new Map;this._order=new Map;this._config={type:"custom:opencode-lookout-card"},this._machines=null,this._now=Date.now(),this._expanded=new Set,this._busy=new Set,this._errors=new Map,this._messages=new Map,this._held=new Map}static getConfigElement(){return document.createElement("opencode-lookout-card-editor")}static getStubConfig(){return{idle_count:5}}setConfig(e){if(!e||typeof e!="object")throw new Error("Invalid configuration");if(e.idle_count!==void 0&&(typeof e.idle_count!="number"||e.idle_count<0))throw new Error("idle_count must be a number \u2265 0");if(e.machines!==void 0&&!Array.isArray(e.machines))throw new Error("machines must be a list of device ids");this._config=e}getCardSize(){let e=this._machines?.reduce((i,s)=>i+s.sessions.length,0)??1;return 1+Math.min(e,10)}getGridOptions(){return{columns:12,min_columns:6,min_rows:2}}connectedCallback(){super.connectedCallback(),this._timer=setInterval(()=>this._now=Date.now(),1e3),this._subscribe()}disconnectedCallback(){super.disconnectedCallback(),clearInterval(this._timer),clearTimeout(this._holdTimer),this._held=new Map,this._unsubscribeNow()}shouldUpdate(e){return e.has("hass")?(this._subscribe(),e.size>1||ht(e.get("hass"),this.hass)):!0}_t(e,i){return re(N(this.hass),e,i)}_subscribe(){let e=this.hass?.connection;!e||!this.isConnected||this._subscribedTo===e||(this._unsubscribeNow(),this._subscribedTo=e,this._unsubscribe=e.subscribeMessage(i=>{this._machines=$t(this._machines??[],i)},{type:nn}),this._unsubscribe.catch(i=>{this._subscribedTo=void 0,this._machines=[],this._errors=new Map(this._errors).set("card",Me(i))}))}_unsubscribeNow(){let e=this._unsubscribe;this._unsubscribe=void 0,this._subscribedTo=void 0,e?.then(i=>i()).catch(()=>{})}async _run(e,i){let s=this.hass;if(!s)return;this._busy=new Set(this._busy).add(e);let r=new Map(this._errors);r.delete(e),this._errors=r;try{return await i(s)}catch(o){throw this._errors=new Map(this._errors).set(e,Me(o)),o}finally{let o=new Set(this._busy);o.delete(e),this._busy=o}}_call(e,i,s){return this._run(e,r=>r.callService(St,i,s,void 0,!1,i==="get_messages"))}_hold(e,i,s){let r=i.currentTarget?.closest?.("li.row");this._held=new Map(this._held).set(e.id,{...s,height:r?.offsetHeight??0}),clearTimeout(this._holdTimer),this._holdTimer=setTimeout(()=>this._held=new Map,rn)}_release(e){if(!this._held.has(e))return;let i=new Map(this._held);i.delete(e),this._held=i}_replyPermission(e,i,s,r){let o=this._drafts.get(i.id),d=s==="once"?"answered_once":s==="always"?"answered_always":"answered_reject";this._hold(e,r,{note:d,permission:i}),this._run(e.id,a=>at(a,e,i,s,o)).then(()=>this._drafts.delete(i.id),()=>this._release(e.id))}_replyQuestion(e,i,s,r){this._hold(e,r,{note:s===null?"answered_dismissed":"answered_question",answer:s??void 0,question:i}),this._run(e.id,o=>lt(o,e,s)).then(()=>this._drafts.delete(i.id),()=>this._release(e.id))}_abort(e,i){this._hold(e,i,{note:"abort_sent"}),this._call(e.id,"abort_session",{device_id:e.device_id}).catch(()=>this._release(e.id))}async _loadMessages(e){this._messages=new Map(this._messages).set(e.id,"loading"),an();let i;try{i=(await this._call(`${e.id}:messages`,"get_messages",{device_id:e.device_id,limit:sn}))?.response?.messages??[]}catch(s){i={error:Me(s)}}this._messages=new Map(this._messages).set(e.id,i)}_toggle(e,i){let s=new Set(this._expanded);s.has(e.id)?s.delete(e.id):(s.add(e.id),i&&this._loadMessages(e)),this._expanded=s}render(){let e=this._machines===null?null:yt(this._machines,this._config),i=e?wt(e):0;return h`
      <ha-card>
        <div class="header">
          <h2>${this._config.title??this._t("title")}</h2>
          <span aria-live="polite">
            ${i?h`<span class="badge">${this._t("waiting_count",{count:i})}</span>`:g}
          </span>
        </div>
        ${this._errors.has("card")?h`<div class="empty error-text" role="alert">${this._errors.get("card")}</div>`:g}
        ${e===null?h`<div class="empty">${this._t("connecting")}</div>`:e.length===0?h`<div class="empty">${this._t("no_machines")}</div>`:e.map(s=>this._renderMachine(s))}
      </ha-card>
    `}_renderMachine(e){let{machine:i}=e,s=`machine-${i.entry_id}`,o=e.sessions.some(d=>this._held.has(d.id))?xt(e.sessions,this._order.get(i.entry_id)):e.sessions;return this._order.set(i.entry_id,o.map(d=>d.id)),h`
      <section class="machine" aria-labelledby=${s}>
        <h3 class="machine-name" id=${s}>
          <span>${i.name}</span>
          ${i.available?g:h`<span class="chip offline"><ha-icon icon="mdi:lan-disconnect"></ha-icon>${this._t("offline")}</span>`}
        </h3>
        ${i.can_steer||e.sessions.length===0?g:h`<p class="readonly">${this._t("read_only")}</p>`}
        ${o.length===0?h`<div class="empty">${this._t("no_sessions")}</div>`:h`<ul>
              ${it(o,d=>d.id,d=>this._renderRow(i,d))}
            </ul>`}
        ${e.hidden?h`<div class="more">${this._t("more_idle",{count:e.hidden})}</div>`:g}
      </section>
    `}_renderRow(e,i){let s=st(i,e.can_steer,e.available),r=e.available&&i.available,o=r?i.state:"offline",d=i.title||this._t("untitled"),a=this._expanded.has(i.id),u=rt(i),p=ye(i.cost_total,N(this.hass)),l=`details-${i.id}`,f=r?this._t(`state_${i.state}`):this._t("session_offline"),c=this._held.get(i.id);return h`
      <li
        class="row ${le(i)?"waiting":""} ${c?"held":""}"
        data-session=${i.id}
        data-state=${i.state}
        style=${c?.height?`min-height: ${c.height}px`:g}
      >
        <button
          class="summary"
          aria-expanded=${a?"true":"false"}
          aria-controls=${l}
          aria-label=${this._t(a?"collapse":"expand",{title:d})}
          @click=${()=>this._toggle(i,s.messages)}
        >
          <span class="chip ${o}">
            <ha-icon icon=${r?on[i.state]??"mdi:help-circle":"mdi:lan-disconnect"}></ha-icon>
            ${f}
          </span>
          <span class="title">${d}</span>
          <span class="since">${ct(i.state_since,this._now)}</span>
          <span class="meta">
            ${i.project?h`<span>${i.project}</span>`:g}
            ${i.model?h`<span>${i.model}</span>`:g}
            ${i.current_tool&&!i.pending_permissions.length?h`<span class="tool">${i.current_tool}</span>`:g}
            ${p?h`<span>${p}</span>`:g}
            ${u?h`<span class="subagent">${this._t("sub_agent",{agent:u})}</span>`:g}
          </span>
        </button>
        ${c?this._renderHeld(c):this._renderRequest(i,s.permission,s.question,u,e.can_steer&&r)}
        ${s.abort&&!c?h`<div class="request">
              <div class="actions">
                <button class="action danger" ?disabled=${this._busy.has(i.id)} @click=${m=>this._abort(i,m)}>
                  ${this._t("abort")}
                </button>
              </div>
            </div>`:g}
        ${this._errors.has(i.id)?h`<div class="request"><div class="error-text" role="alert">${this._t("error_action",{message:this._errors.get(i.id)??""})}</div></div>`:g}
        <div class="details" id=${l} ?hidden=${!a}>
          ${a?this._renderDetails(i,s.messages):g}
        </div>
      </li>
    `}_renderRequest(e,i,s,r,o){let d=i??e.pending_permissions[0]??null,a=s??e.question,u=this._busy.has(e.id),p=l=>l!==e.id&&r?h`<div class="small">${this._t("asked_by",{agent:r})}</div>`:g;if(d){let l=d,f=`reason-${l.id}`,c=ve(l);return h`
        <div class="request">
          <h4>${c.heading}</h4>
          ${p(l.session_id)}
          <pre class="command" aria-label=${l.permission}>${At(c.body)}</pre>
          ${l.always.length?h`<div class="small">${this._t("always_allows")}: <code>${l.always.join(", ")}</code></div>`:g}
          ${o&&i?h`<div class="actions">
                <button class="action primary" ?disabled=${u} @click=${m=>this._replyPermission(e,l,"once",m)}>
                  ${this._t("approve")}
                </button>
                <button class="action" ?disabled=${u} @click=${m=>this._replyPermission(e,l,"always",m)}>
                  ${this._t("always")}
                </button>
                <input
                  type="text"
                  id=${f}
                  aria-label=${this._t("reason")}
                  title=${this._t("reason")}
                  placeholder=${this._t("reason_placeholder")}
                  .value=${this._drafts.get(l.id)??""}
                  @input=${m=>this._drafts.set(l.id,m.target.value)}
                  @keydown=${m=>m.key==="Enter"&&this._replyPermission(e,l,"reject",m)}
                />
                <button class="action danger" ?disabled=${u} @click=${m=>this._replyPermission(e,l,"reject",m)}>
                  ${this._t("reject")}
                </button>
              </div>`:g}
        </div>
      `}if(a){let l=a,f=o&&s!==null;return h`
        <div class="request">
          ${p(l.session_id)}
          ${l.questions.map(c=>h`
              <h4>${c.header?h`${c.header}: `:g}${c.question}</h4>
              ${f?h`<div class="actions" role="group" aria-label=${c.question}>
                    ${c.options.map(m=>h`
                        <button
                          class="action"
                          title=${m.description}
                          ?disabled=${u}
                          @click=${_=>this._replyQuestion(e,l,m.label,_)}
                        >
                          ${m.label}
                        </button>
                      `)}
                  </div>`:h`<ul class="options">
                    ${c.options.map(m=>h`<li>${m.label}${m.description?h` <span class="small">${m.description}</span>`:g}</li>`)}
                  </ul>`}
            `)}
          ${f?h`<div class="actions">
                <input
                  type="text"
                  aria-label=${this._t("answer")}
                  placeholder=${this._t("answer")}
                  .value=${this._drafts.get(l.id)??""}
                  @input=${c=>this._drafts.set(l.id,c.target.value)}
                  @keydown=${c=>c.key==="Enter"&&this._sendTyped(e,l,c)}
                />
                <button class="action primary" ?disabled=${u} @click=${c=>this._sendTyped(e,l,c)}>
                  ${this._t("send")}
                </button>
                <button class="action danger" ?disabled=${u} @click=${c=>this._replyQuestion(e,l,null,c)}>
                  ${this._t("reject")}
                </button>
              </div>`:g}
        </div>
      `}return g}_sendTyped(e,i,s){let r=this._drafts.get(i.id)?.trim();r&&this._replyQuestion(e,i,r,s)}_renderHeld(e){let i=e.permission?ve(e.permission):null;return h`
      <div class="request answered">
        ${i?h`<h4>${i.heading}</h4><pre class="command">${At(i.body)}</pre>`:g}
        ${e.question?e.question.questions.map(s=>h`<h4>${s.question}</h4>`):g}
        <div class="answered-note" role="status">
          <ha-icon icon="mdi:check-circle-outline"></ha-icon>
          <span>${this._t(e.note,{answer:e.answer??""})}</span>
        </div>
      </div>
    `}_renderDetails(e,i){let s=dt(e.context_used,e.context_limit),r=this._messages.get(e.id);return h`
      <dl>
        <dt>${this._t("tokens")}</dt>
        <dd>
          ${this._t("tokens_detail",{input:H(e.tokens_input),output:H(e.tokens_output),cache:H(e.tokens_cache_read+e.tokens_cache_write)})}
        </dd>
        ${s!==null?h`<dt>${this._t("context")}</dt>
              <dd>${s} % (${H(e.context_used??0)} / ${H(e.context_limit??0)})</dd>`:g}
        <dt>${this._t("files")}</dt>
        <dd>
          ${this._t("files_detail",{files:e.files_changed,added:e.lines_added,removed:e.lines_removed})}
        </dd>
        ${e.cost_total?h`<dt>${this._t("cost")}</dt><dd>${ye(e.cost_total,N(this.hass))}</dd>`:g}
      </dl>
      ${e.error?h`<div class="error-text">${e.error.name}: ${e.error.message}</div>`:g}
      ${i?this._renderMessages(r):g}
    `}_renderMessages(e){let i=Array.isArray(e)?e.filter(r=>r.text.trim()):e,s;return i===void 0||i==="loading"?s=h`<div class="small">${this._t("loading")}</div>`:Array.isArray(i)?i.length===0?s=h`<div class="small">${this._t("no_messages")}</div>`:s=i.map(r=>h`
          <div class="message ${r.role}">
            <div class="who">${r.role}${r.agent?h` · ${r.agent}`:g}</div>
            ${_t(r.text,{image:this._t("image")})}
          </div>
        `):s=h`<div class="error-text">${i.error}</div>`,h`<h4>${this._t("messages")}</h4>
      ${s}`}};I.styles=vt,I.properties={hass:{attribute:!1},_config:{state:!0},_machines:{state:!0},_now:{state:!0},_expanded:{state:!0},_busy:{state:!0},_errors:{state:!0},_messages:{state:!0},_held:{state:!0}};function an(){if(document.head.querySelector('meta[http-equiv="x-dns-prefetch-control" i][content="off" i]'))return;let n=document.createElement("meta");n.httpEquiv="x-dns-prefetch-control",n.content="off",document.head.append(n)}function At(n){return n.split(/(\s+)/).map((t,e)=>e%2||!t?t:h`<span class="word">${t}</span>`)}function Me(n){return n&&typeof n=="object"&&"message"in n?String(n.message):String(n)}var ln={title:"editor_title",machines:"editor_machines",idle_count:"editor_idle_count"},cn=[{name:"title",selector:{text:{}}},{name:"machines",selector:{device:{multiple:!0,filter:[{integration:"opencode_lookout",model:"OpenCode Lookout agent"}]}}},{name:"idle_count",selector:{number:{min:0,max:50,mode:"box"}}}],V=class extends ${setConfig(t){this._config=t}render(){if(!this.hass||!this._config)return h``;let t=this.hass.locale?.language??this.hass.language;return h`
      <ha-form
        .hass=${this.hass}
        .data=${this._config}
        .schema=${cn}
        .computeLabel=${e=>re(t,ln[e.name]??"title")}
        @value-changed=${this._changed}
      ></ha-form>
    `}_changed(t){t.stopPropagation();let e={...t.detail.value};for(let i of["title","machines"]){let s=e[i];(s===void 0||s===""||Array.isArray(s)&&s.length===0)&&delete e[i]}this._config=e,this.dispatchEvent(new CustomEvent("config-changed",{detail:{config:e},bubbles:!0,composed:!0}))}};V.properties={hass:{attribute:!1},_config:{state:!0}};var O="opencode-lookout-card";function kt(){customElements.get(O)||customElements.define(O,I),customElements.get(`${O}-editor`)||customElements.define(`${O}-editor`,V)}var dn=3e4,Et=window;if(Et.CustomElementRegistryPolyfill||!document.querySelector("home-assistant"))kt();else{let n=Date.now(),t=setInterval(()=>{(Et.CustomElementRegistryPolyfill||Date.now()-n>dn)&&(clearInterval(t),kt())},20)}var Te=window;Te.customCards??=[];Te.customCards.some(n=>n.type===O)||Te.customCards.push({type:O,name:"OpenCode Lookout",description:"Every OpenCode session at a glance: answer permissions and questions in one tap.",preview:!0,documentationURL:"https://github.com/opencode-lookout/opencode-lookout/blob/main/docs/card.md"});
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
